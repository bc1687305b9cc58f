package dev.ncpl.cli;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.Scale;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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

    @Option(names = "--model", paramLabel = "DIR", description = "Refit DIR's baseline.json over the runs DIR was "
            + "trained on, as training now fits it: the pooled law (the one that serves sources the model never saw), "
            + "each mixture of experts' sparsity law (which moves only configs denser or sparser than its training runs), "
            + "and each source's law where the refit agrees with the saved one at every training run of that source "
            + "(within " + LAW_TOLERANCE + "; the network's residuals are taken over it there), such as a source "
            + "of few sizes that now borrows its size exponent from another. A law that would move at the "
            + "training runs is kept and named: that model needs retraining.")
    Path model;

    /** How far a refitted law may move at a training run and still replace the saved one. */
    static final double LAW_TOLERANCE = 1e-4;

    @Override
    public Integer call() throws Exception {
        if (model != null) {
            return refitModelBaseline();
        }
        List<Path> files = data.files(DataOptions.EVERY_SOURCE);
        dev.ncpl.util.OutputTarget.checkNotInput("--out", out, files);
        List<Run> runs = RunReader.readAll(files);
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
        printSparsity(b);
        if (!b.unresolved().isEmpty()) {
            System.out.println("left out (N or D unknown): " + String.join(", ", b.unresolved()));
        }
        if (out != null) {
            b.save(out);
            System.out.println("saved " + out);
        }
        return 0;
    }

    /** Prints each sparsity law of {@code b}, which acts only beyond its source's trained densities. */
    private static void printSparsity(Baseline b) {
        b.sparsity().forEach((src, law) -> System.out.printf("%-10s sparsity (beyond its trained densities): %s%n",
                src, law));
    }

    private int refitModelBaseline() throws Exception {
        if (out != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--out and --model exclude each other: "
                    + "--model rewrites DIR/baseline.json");
        }
        Path file = model.resolve(dev.ncpl.model.NcplModel.BASELINE);
        Baseline before = Baseline.load(file);
        ModelData md = ModelData.of(model, data);
        List<Run> training = md.training();
        Baseline refit = Baseline.fit(training);
        Map<String, Baseline.SourceFit> sources = new TreeMap<>(before.sources());
        refit.sources().forEach((src, fit) -> {
            Baseline.SourceFit old = before.sources().get(src);
            if (old == null || old.law().equals(fit.law())) {
                return;
            }
            // runs whose size or budget cannot be resolved were left out of both fits
            double moved = training.stream().filter(r -> r.source().equals(src))
                    .filter(r -> Scale.params(r).isPresent() && Scale.tokens(r).isPresent()).mapToDouble(r -> {
                        Scale sc = Scale.of(r);
                        return Math.abs(fit.law().predict(sc.params(), sc.tokens())
                                - old.law().predict(sc.params(), sc.tokens()));
                    }).max().orElse(0);
            if (moved > LAW_TOLERANCE) {
                System.out.printf(Locale.ROOT, "%-10s kept %s: the refit %s moves it by up to %.2g at its training runs "
                        + "(retrain the model to take it)%n", src, old.law(), fit.law(), moved);
                return;
            }
            System.out.printf(Locale.ROOT, "%-10s before %s%n%-10s after  %s   (moves at most %.1g at its training runs)%n",
                    src, old.law(), "", fit.law(), moved);
            fit.notes().forEach(n -> System.out.println("           note: " + n));
            sources.put(src, fit);
        });
        Baseline after = new Baseline(sources, before.pooled(), before.unresolved()).withPooledRefitted(training)
                .withSparsityRefitted(training).withLossUnits(training);
        System.out.printf("pooled before %s%npooled after  %s%n", before.pooled().law(), after.pooled().law());
        after.pooled().notes().forEach(n -> System.out.println("           note: " + n));
        printSparsity(after);
        after.save(file);
        RefitLog.record(model, "ncpl baseline --model", md.files(), List.of(dev.ncpl.model.NcplModel.BASELINE));
        System.out.println("saved " + file);
        return 0;
    }
}
