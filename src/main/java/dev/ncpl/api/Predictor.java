package dev.ncpl.api;

import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.predict.Batches;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ConditionedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.predict.PredictionSteps;
import dev.ncpl.runs.Run;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.Iterators;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * A trained ncpl predictor for other JVM programs (a notebook, a Spark job, a service): load a model folder,
 * predict configs, finish runs in progress. {@code ncpl predict} and {@code ncpl score} use it themselves.
 *
 * <pre>{@code
 * try (Predictor ncpl = Predictor.load(Path.of("models/default"))) {
 *     Config config = Config.parse("""
 *             source: steplaw
 *             config:
 *               model: {n_layers: 10, d_model: 1280, n_heads: 10, d_ff: 9472, activation: swiglu}
 *               optimizer: {name: adamw, lr: 0.002, weight_decay: 0.1}
 *               data: {seq_len: 2048, batch_size: 256, tokens_total: 2.0e10}
 *               schedule: {lr_schedule: cosine, warmup_steps: 2000, min_lr: 1.0e-5}
 *             """, null);
 *     PredictedRun run = ncpl.predict(List.of(config), 0.8).get(0);
 *     System.out.println(run.finalLoss() + " in [" + run.finalLossInterval().lo() + ", "
 *             + run.finalLossInterval().hi() + "]");
 * }
 * }</pre>
 *
 * <p>A config the model cannot predict (an optimizer it never saw, a size it cannot resolve) throws an
 * {@code IllegalArgumentException} naming the field. Not thread-safe: use one per thread, or guard it.
 */
public final class Predictor implements AutoCloseable {
    /** The interval level used where none is given: 80%. */
    public static final double DEFAULT_LEVEL = PredictionIntervals.DEFAULT_LEVEL;
    /** Configs predicted per network call. */
    public static final int BATCH = BlendedPredictor.BATCH;

    private final BlendedPredictor blend;
    private final PredictionIntervals intervals;
    private final ConditionedIntervals conditionedIntervals;
    private final ConditionedPredictor conditioned;

    private Predictor(BlendedPredictor blend, PredictionIntervals intervals, ConditionedIntervals conditionedIntervals,
                      PrefixConditioner prefix) {
        this.blend = blend;
        this.intervals = intervals;
        this.conditionedIntervals = conditionedIntervals;
        this.conditioned = prefix == null ? null : new ConditionedPredictor(blend, prefix, null);
    }

    /** Loads the model in {@code modelDir}; a missing or corrupt file is an {@code IOException} naming it. */
    public static Predictor load(Path modelDir) throws IOException {
        BlendedPredictor blend = BlendedPredictor.load(modelDir);
        try {
            return new Predictor(blend, PredictionIntervals.loadIfPresent(modelDir),
                    ConditionedIntervals.loadIfPresent(modelDir), PrefixConditioner.loadIfPresent(modelDir));
        } catch (IOException | RuntimeException e) {
            blend.close();
            throw e;
        }
    }

    /** Whether this model has prediction intervals (a model folder from before them has none). */
    public boolean hasIntervals() {
        return intervals != null;
    }

    /** Whether this model can finish runs in progress ({@link #conditionOn}). */
    public boolean canConditionOnCurves() {
        return conditioned != null;
    }

    /** Throws an {@code IllegalArgumentException} naming the field when this model cannot predict {@code config}. */
    public void check(Config config) {
        blend.checkPredictable(config.run());
    }

    /** Predicts each config with intervals and bands at {@code level} (for example 0.8). */
    public List<PredictedRun> predict(List<Config> configs, double level) {
        List<PredictedRun> out = new ArrayList<>(configs.size());
        predictEach(configs.iterator(), level, false, out::add);
        return out;
    }

    /**
     * Finishes runs in progress: each config's curve so far ({@link Config#withCurve}) is kept and the rest
     * predicted from it, with intervals calibrated on held-out runs cut part-way; a config without a curve gets
     * the config-only prediction.
     *
     * @throws IllegalStateException when the model has no model of runs in progress ({@link #canConditionOnCurves})
     */
    public List<PredictedRun> conditionOn(List<Config> runsInProgress, double level) {
        List<PredictedRun> out = new ArrayList<>(runsInProgress.size());
        predictEach(runsInProgress.iterator(), level, true, out::add);
        return out;
    }

    /** The predicted final losses of {@code configs}, the fast path for ranking many. */
    public double[] finalLosses(List<Config> configs) {
        return blend.predictFinal(configs.stream().map(Config::run).toList());
    }

    /**
     * Streams predictions of any number of configs to {@code out}, in order, in constant memory: configs are read,
     * serialized and tokenized on a second thread while the network runs ({@code conditionOnCurves}: as
     * {@link #conditionOn}).
     */
    public void predictEach(Iterator<Config> configs, double level, boolean conditionOnCurves,
                            Consumer<PredictedRun> out) {
        PredictionIntervals.checkLevel(level);
        if (conditionOnCurves && conditioned == null) {
            throw new IllegalStateException("this model has no model of runs in progress (prefix.json.gz): fit one with "
                    + "ncpl refit");
        }
        try {
            Batches.forEachPrepared(Iterators.map(configs, Config::run), BATCH, blend::prepare, chunk -> {
                List<Prediction> predictions = conditionOnCurves ? conditioned.predict(chunk.runs())
                        : blend.predict(chunk, PredictionSteps::of);
                for (int i = 0; i < predictions.size(); i++) {
                    out.accept(result(chunk.runs().get(i), predictions.get(i),
                            chunk.features().get(i).outsideTrainingRange(), level, conditionOnCurves));
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private PredictedRun result(Run run, Prediction p, List<String> outside, double level, boolean conditionOnCurves) {
        PredictionIntervals.Interval iv;
        PredictionIntervals.Band band;
        if (conditionOnCurves) {
            ConditionedIntervals.Bounds b = ConditionedIntervals.bounds(conditionedIntervals, intervals, run, p, level);
            iv = b == null ? null : b.interval();
            band = b == null ? null : b.band();
        } else {
            iv = intervals == null ? null : intervals.finalInterval(run, p, level);
            band = intervals == null ? null : intervals.band(run, p, level);
        }
        return new PredictedRun(p.id(), p.finalLoss(), iv == null ? null : new PredictedRun.Interval(iv.lo(), iv.hi()),
                p.steps(), p.losses(), band == null ? null : new PredictedRun.Band(band.lo(), band.hi()),
                List.copyOf(outside), intervals == null ? List.of() : List.copyOf(intervals.beyondSourceRange(run)));
    }

    /** The blend behind this facade, for ncpl's own commands. */
    public BlendedPredictor blend() {
        return blend;
    }

    /** The model's config-only intervals, or null. */
    public PredictionIntervals intervals() {
        return intervals;
    }

    @Override
    public void close() {
        blend.close();
    }
}
