package dev.ncpl.cli;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ncpl baseline}: fits the per-source Chinchilla law to the train runs and saves it. */
@Command(name = "baseline", mixinStandardHelpOptions = true,
        description = "Fit L = E + A/N^alpha + B/D^beta per source (Huber on log-loss, L-BFGS from a grid) to the "
                + "final losses of the runs of one split, print it and save it as JSON.")
public final class BaselineCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--split", defaultValue = "train", description = "Split to fit on; 'all' for every run "
            + "(default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to save the fitted laws (JSON).")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<Run> runs = RunReader.readAll(data.files("marin.jsonl", "steplaw.jsonl", "openlm.jsonl"));
        List<Run> fitOn = split.equals("all") ? runs : runs.stream().filter(r -> r.split().equals(split)).toList();
        if (fitOn.isEmpty()) {
            throw new IllegalArgumentException("no runs in split '" + split + "'");
        }
        Baseline b = Baseline.fit(fitOn);
        b.sources().forEach((src, f) -> {
            System.out.printf("%-10s %s   (%d runs, %d sizes, %d token budgets)%n", src, f.law(), f.runs(),
                    f.distinctParams(), f.distinctTokens());
            f.notes().forEach(n -> System.out.println("           note: " + n));
        });
        System.out.printf("%-10s %s%n", "pooled", b.pooled().law());
        if (!b.unresolved().isEmpty()) {
            System.out.println("left out (N or D unknown): " + String.join(", ", b.unresolved()));
        }
        if (out != null) {
            b.save(out);
            System.out.println("saved " + out);
        }
        return 0;
    }
}
