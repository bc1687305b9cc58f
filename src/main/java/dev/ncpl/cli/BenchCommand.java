package dev.ncpl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.NeuralPredictor;
import dev.ncpl.predict.PredictionSteps;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncpl bench}: measures prediction throughput (configs per second) for final losses alone and
 * for 16-point curves, on candidates generated from a few base configs by varying the learning rate.
 * Candidates are made batch by batch, so memory stays flat whatever --configs is.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prediction throughput: configs/s for final loss and for curves.")
public final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--runs", paramLabel = "FILE",
            defaultValue = "${sys:ncpl.home:-.}/training-configs/examples/candidates.jsonl",
            description = "Base configs to vary (default: ${DEFAULT-VALUE}).")
    Path runs;

    @Option(names = "--configs", defaultValue = "20000", description = "Candidates per measurement (default: ${DEFAULT-VALUE}).")
    long configs;

    @Option(names = "--points", defaultValue = "16", description = "Curve points per candidate (default: ${DEFAULT-VALUE}).")
    int points;

    @Override
    public Integer call() throws Exception {
        List<Run> base;
        try (Stream<Run> s = RunReader.stream(runs, RunReader.Options.CANDIDATES)) {
            base = s.toList();
        }
        if (base.isEmpty()) {
            throw new IllegalArgumentException(runs + ": no configs to vary");
        }
        try (NeuralPredictor predictor = NeuralPredictor.load(model.model)) {
            predictor.predictFinal(batch(base, 0));
            double finalRate = measure(base, b -> predictor.predictFinal(b));
            double curveRate = measure(base, b -> predictor.predict(b, r -> PredictionSteps.even(r, points)));
            System.out.printf(Locale.ROOT, "device %s, %d threads, %d candidates, batch %d%n",
                    ai.djl.engine.Engine.getInstance().defaultDevice(), Runtime.getRuntime().availableProcessors(),
                    configs, NeuralPredictor.BATCH);
            System.out.printf(Locale.ROOT, "final loss:        %,10.0f configs/s%n", finalRate);
            System.out.printf(Locale.ROOT, "%2d-point curves:   %,10.0f configs/s  (%.2fx the cost of a final loss)%n",
                    points, curveRate, finalRate / curveRate);
        }
        return 0;
    }

    private double measure(List<Run> base, java.util.function.Consumer<List<Run>> work) {
        long start = System.nanoTime();
        for (long done = 0; done < configs; done += NeuralPredictor.BATCH) {
            work.accept(batch(base, done));
        }
        return configs / ((System.nanoTime() - start) / 1e9);
    }

    /** One batch of candidates: the base configs in turn, each with its learning rate scaled by a varying factor. */
    private List<Run> batch(List<Run> base, long offset) {
        int n = (int) Math.min(NeuralPredictor.BATCH, Math.max(1, configs - offset));
        List<Run> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long index = offset + i;
            Run b = base.get((int) (index % base.size()));
            ObjectNode cfg = b.config().deepCopy();
            ObjectNode opt = cfg.get("optimizer") instanceof ObjectNode o ? o : cfg.putObject("optimizer");
            double lr = b.number("optimizer.lr").orElse(1e-3);
            opt.put("lr", lr * Math.pow(2, ((index * 7919) % 33 - 16) / 8.0));
            out.add(new Run(b.id() + "#" + index, b.source(), "", b.metric(), cfg, b.curve()));
        }
        return out;
    }
}
