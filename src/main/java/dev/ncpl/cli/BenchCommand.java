package dev.ncpl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.Batches;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.PredictionSteps;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncpl bench}: measures prediction throughput (configs per second) for final losses alone and
 * for 16-point curves, on candidates generated from a few base configs by varying the learning rate.
 * Candidates are made and prepared (serialized, tokenized) on a second thread while the network runs,
 * as in predict and score; memory stays flat whatever --configs is.
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

    /** Batches run before timing, so that both measurements start warm. */
    private static final int WARMUP_BATCHES = 8;
    /** Timed rounds of each measurement. */
    private static final int ROUNDS = 2;

    @Override
    public Integer call() throws Exception {
        List<Run> base;
        try (Stream<Run> s = RunReader.stream(runs, RunReader.Options.CANDIDATES)) {
            base = s.toList();
        }
        if (base.isEmpty()) {
            throw new IllegalArgumentException(runs + ": no configs to vary");
        }
        try (BlendedPredictor predictor = BlendedPredictor.load(model.model)) {
            for (int i = 0; i < WARMUP_BATCHES; i++) {
                predictor.predictFinal(batch(base, 0));
                predictor.predict(batch(base, 0), r -> PredictionSteps.even(r, points));
            }
            // alternate the two measurements so that neither gains from running second
            double finalTime = 0;
            double curveTime = 0;
            for (int round = 0; round < ROUNDS; round++) {
                finalTime += seconds(base, predictor, p -> predictor.predictFinal(p));
                curveTime += seconds(base, predictor, p -> predictor.predict(p, r -> PredictionSteps.even(r, points)));
            }
            double finalRate = ROUNDS * configs / finalTime;
            double curveRate = ROUNDS * configs / curveTime;
            System.out.printf(Locale.ROOT, "device %s, %d threads, %d candidates x %d rounds, batch %d%n",
                    ai.djl.engine.Engine.getInstance().defaultDevice(), Runtime.getRuntime().availableProcessors(),
                    configs, ROUNDS, BlendedPredictor.BATCH);
            System.out.printf(Locale.ROOT, "final loss:        %,10.0f configs/s%n", finalRate);
            System.out.printf(Locale.ROOT, "%2d-point curves:   %,10.0f configs/s  (%.2fx the cost of a final loss)%n",
                    points, curveRate, finalRate / curveRate);
        }
        return 0;
    }

    /** Seconds that {@code work} takes over the generated candidates, prepared on a second thread as in predict and score. */
    private double seconds(List<Run> base, BlendedPredictor predictor,
                           java.util.function.Consumer<BlendedPredictor.Prepared> work) throws java.io.IOException {
        Iterator<Run> candidates = new Iterator<>() {
            long next;

            @Override
            public boolean hasNext() {
                return next < configs;
            }

            @Override
            public Run next() {
                return candidate(base, next++);
            }
        };
        long start = System.nanoTime();
        Batches.forEachPrepared(candidates, BlendedPredictor.BATCH, predictor::prepare, work::accept);
        return (System.nanoTime() - start) / 1e9;
    }

    /** The first batch of candidates (to warm up). */
    private List<Run> batch(List<Run> base, long offset) {
        List<Run> out = new ArrayList<>();
        for (long i = offset; i < offset + Math.min(BlendedPredictor.BATCH, configs); i++) {
            out.add(candidate(base, i));
        }
        return out;
    }

    /** Candidate {@code index}: a base config in turn, its learning rate scaled by a varying factor. */
    private static Run candidate(List<Run> base, long index) {
        Run b = base.get((int) (index % base.size()));
        ObjectNode cfg = b.config().deepCopy();
        ObjectNode opt = cfg.get("optimizer") instanceof ObjectNode o ? o : cfg.putObject("optimizer");
        double lr = b.number("optimizer.lr").orElse(1e-3);
        opt.put("lr", lr * Math.pow(2, ((index * 7919) % 33 - 16) / 8.0));
        return new Run(b.id() + "#" + index, b.source(), "", b.metric(), cfg, b.curve());
    }
}
