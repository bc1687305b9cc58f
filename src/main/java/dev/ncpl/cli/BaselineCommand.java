package dev.ncpl.cli;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
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

    @Option(names = "--model", paramLabel = "DIR", description = "Refit the pooled law (the one that serves sources "
            + "the model never saw) in DIR's baseline.json over the runs DIR was trained on, keeping its per-source "
            + "laws, which its network's residuals are taken over. For models saved before the pooled law was "
            + "the shared law.")
    Path model;

    @Override
    public Integer call() throws Exception {
        if (model != null) {
            return refitPooled();
        }
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

    private int refitPooled() throws Exception {
        if (out != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--out and --model exclude each other: "
                    + "--model rewrites DIR/baseline.json");
        }
        Path file = model.resolve(dev.ncpl.model.NcplModel.BASELINE);
        Baseline before = Baseline.load(file);
        Baseline after = before.withPooledRefitted(ModelData.of(model, data).training());
        System.out.printf("pooled before %s%npooled after  %s%n", before.pooled().law(), after.pooled().law());
        after.pooled().notes().forEach(n -> System.out.println("           note: " + n));
        after.save(file);
        System.out.println("saved " + file);
        return 0;
    }
}
