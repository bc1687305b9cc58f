package dev.ncpl.uncertainty;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.TrainingRange;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prediction intervals for the final loss and bands for the curve, from residuals measured on held-out
 * runs (split conformal prediction, normalized). Per source, the signed residuals (true − predicted),
 * each divided by the run's difficulty scale, are kept as a quantile grid: for the final loss, and for
 * the curve in bins of the fraction of training. An interval at level p spans the residual quantiles
 * (1 − p)/2 and (1 + p)/2, times the run's scale. The scale grows where the ensemble's members disagree,
 * sqrt(1 + (spread/τ)²) with τ the source's median absolute error, and beyond the model sizes, token
 * budgets and expert densities of the source's training runs ({@link TrainingRange}), to 1 + {@code growth} per
 * unit of natural-log distance: errors grow out of distribution, and an interval that did not would be dishonest
 * there. The scale is the larger of the two, not their product: beyond the training range the spread
 * (which holds half the gap between the network and the residual trees) grows for the same reason the
 * distance does, and multiplying them counted that ignorance twice (it made the intervals on larger Marin models
 * many times wider than their errors). The distance widening is
 * symmetric about the interval's in-distribution centre: the skew of the held-out errors (a few runs far
 * above their prediction) is a fact about the sizes calibrated on, while the sign of the error beyond
 * them is not known, so stretching the skew with the width would push the interval to one side.
 * A source with too few calibration runs uses the intervals pooled over all sources; a source the model
 * never saw is also widened by how far the pooled law was off for each known source left out of it
 * ({@link UnseenSources}). Saved beside a
 * trained predictor as {@value #FILE}.
 */
public final class PredictionIntervals {
    /** File name in a model folder. */
    public static final String FILE = ModelFile.INTERVALS.fileName();
    /** Default nominal coverage. */
    public static final double DEFAULT_LEVEL = 0.8;
    /** Key of the intervals pooled over every source. */
    public static final String POOLED = "*";
    /**
     * Inner edges of the curve bins, in fractions of training: [0, 0.01), [0.01, 0.025), [0.025, 0.05),
     * [0.05, 0.1), [0.1, 0.2), …, [0.9, 1]. The first tenth is split because the loss falls fastest there: one
     * bin over it mixed the errors in warmup with those later in the first tenth, made the band there far too wide,
     * and the distance widening multiplied the excess.
     */
    static final double[] CURVE_BIN_EDGES = {0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    /** ln distance below which a size or budget counts as inside a range (rounding in the configs). */
    private static final double RANGE_SLACK = 1e-6;

    /**
     * The calibration of one source.
     *
     * @param runs calibration runs behind it
     * @param tau median absolute final-loss error, the unit of the ensemble spread
     * @param finalQuantiles quantiles of the normalized final-loss residual at probabilities 0, 1/(G−1), …, 1
     * @param curveQuantiles the same for curve points, per bin of the fraction of training (null: no points there)
     * @param logParams range of ln N of the source's training runs ({min, max})
     * @param logTokens range of ln D of the source's training runs ({min, max})
     * @param curveBinEdges inner edges of the curve bins ({@link PredictionIntervals#CURVE_BIN_EDGES}; files written
     *     before them are migrated to the ten even bins they were calibrated in)
     * @param logActiveShare range of ln(experts per token / experts) of the source's training runs; null in files
     *     written before it was kept (no widening for expert density)
     * @param growth this source's widening per ln unit beyond its range, or null for the intervals' shared {@code
     *     growth}
     * @param beyondStep this source's widening as soon as a run lies beyond its range, or null for none
     */
    public record SourceCalibration(@JsonProperty("runs") int runs, @JsonProperty("tau") double tau,
                                    @JsonProperty("final_quantiles") double[] finalQuantiles,
                                    @JsonProperty("curve_quantiles") double[][] curveQuantiles,
                                    @JsonProperty("log_params") double[] logParams,
                                    @JsonProperty("log_tokens") double[] logTokens,
                                    @JsonProperty("curve_bin_edges") double[] curveBinEdges,
                                    @JsonProperty("log_active_share") double[] logActiveShare,
                                    @com.fasterxml.jackson.annotation.JsonInclude(
                                            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                    @JsonProperty("growth") Double growth,
                                    @com.fasterxml.jackson.annotation.JsonInclude(
                                            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                    @JsonProperty("beyond_step") Double beyondStep) {
        /**
         * This calibration widening by {@code step} as soon as a run lies beyond its range, and by {@code perUnit} per
         * ln unit beyond it, instead of the intervals' shared growth (a source adapted to from a few runs, whose own
         * runs measured it).
         */
        public SourceCalibration withWidening(double step, double perUnit) {
            return new SourceCalibration(runs, tau, finalQuantiles, curveQuantiles, logParams, logTokens, curveBinEdges,
                    logActiveShare, perUnit, step);
        }

        /** The curve bin of a fraction of training: how many inner edges lie at or below it. */
        public int bin(double fraction) {
            double[] edges = java.util.Objects.requireNonNull(curveBinEdges, "curve_bin_edges");
            int b = 0;
            while (b < edges.length && fraction >= edges[b]) {
                b++;
            }
            return b;
        }

        /** The sizes, token budgets and expert densities of the source's training runs. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public TrainingRange range() {
            return new TrainingRange(logParams, logTokens, logActiveShare);
        }
    }

    /**
     * How far off a source the model never saw may be, before any of its runs: the absolute errors of the
     * pooled (shared) law on each training source when it was left out of the fit ({@link
     * dev.ncpl.baseline.LeaveOneSourceOut}), every source weighing the same. A run of a source not in
     * {@code known} gets its interval and band widened on both sides by their quantile at the interval's
     * level: a new dataset or metric moves the whole curve by an amount its config does not tell, and
     * the held-out errors of the known sources say nothing of it.
     *
     * @param known the sources the model was trained on
     * @param medianErrors each left-out source's median signed error (true − predicted), for the record
     * @param absQuantiles quantiles of the absolute errors at probabilities 0, 0.01, …, 1
     */
    public record UnseenSources(@JsonProperty("known") List<String> known,
                                @JsonProperty("median_errors") Map<String, Double> medianErrors,
                                @JsonProperty("abs_quantiles") double[] absQuantiles) {
        /** Whether {@code source} is one the model never saw (a run that names none is). */
        public boolean unseen(String source) {
            return source == null || !known.contains(source);
        }

        /** The same widening for a model that knows {@code sources}. */
        public UnseenSources knowing(java.util.Collection<String> sources) {
            return new UnseenSources(List.copyOf(new java.util.TreeSet<>(sources)), medianErrors, absQuantiles);
        }

        /** The half-width added to an interval at {@code level} of an unseen source. */
        public double margin(double level) {
            return quantile(absQuantiles, level);
        }
    }

    /** A two-sided interval. */
    public record Interval(double lo, double hi) {
        public boolean contains(double v) {
            return v >= lo && v <= hi;
        }

        public double width() {
            return hi - lo;
        }
    }

    /** A band around a predicted curve: bounds at each of its steps. */
    public record Band(double[] lo, double[] hi) {}

    private final Map<String, SourceCalibration> sources;
    private final double growth;
    private final UnseenSources unseenSources;

    /** Intervals without a widening for sources never seen. */
    public PredictionIntervals(Map<String, SourceCalibration> sources, double growth) {
        this(sources, growth, null);
    }

    /**
     * @param unseenSources the widening for sources the model never saw; null (files written before it was
     *     measured) for none
     */
    @com.fasterxml.jackson.annotation.JsonCreator
    public PredictionIntervals(@JsonProperty("sources") Map<String, SourceCalibration> sources,
                               @JsonProperty("growth") double growth,
                               @JsonProperty("unseen_sources") UnseenSources unseenSources) {
        if (!sources.containsKey(POOLED)) {
            throw new IllegalArgumentException("prediction intervals need a pooled calibration '" + POOLED + "'");
        }
        this.sources = Map.copyOf(sources);
        this.growth = growth;
        this.unseenSources = unseenSources;
    }

    /** These intervals, widened for the sources {@code unseen} says the model never saw (null: not widened). */
    public PredictionIntervals withUnseenSources(UnseenSources unseen) {
        return new PredictionIntervals(sources, growth, unseen);
    }

    /** The widening for sources the model never saw, or null. */
    @JsonProperty("unseen_sources")
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public UnseenSources unseenSources() {
        return unseenSources;
    }

    @JsonProperty("sources")
    public Map<String, SourceCalibration> sources() {
        return sources;
    }

    /** Relative widening of every interval per unit of ln N or ln D beyond the training range. */
    @JsonProperty("growth")
    public double growth() {
        return growth;
    }

    /** The calibration used for runs of {@code source}: its own, or the pooled one. */
    public SourceCalibration calibration(String source) {
        SourceCalibration own = source == null ? null : sources.get(source);
        return own != null ? own : sources.get(POOLED);
    }

    /** The interval of the final loss of {@code run}, predicted as {@code p}, at nominal coverage {@code level}. */
    public Interval finalInterval(Run run, Prediction p, double level) {
        return finalInterval(run, p.finalLoss(), p.spread(), level);
    }

    /** The interval of a final loss predicted as {@code mean} with ensemble spread {@code spread}. */
    public Interval finalInterval(Run run, double mean, double spread, double level) {
        SourceCalibration c = calibration(run.source());
        Interval in = bounds(c.finalQuantiles(), level, mean, spreadScale(c, spread), distanceScale(c, run, growth));
        double margin = unseenMargin(run, level);
        return new Interval(in.lo() - margin, in.hi() + margin);
    }

    /** What an interval of {@code run} at {@code level} is widened by on each side when its source was never seen. */
    private double unseenMargin(Run run, double level) {
        return unseenSources != null && unseenSources.unseen(run.source()) ? unseenSources.margin(level) : 0;
    }

    /**
     * The interval {@code mean} + the quantiles of {@code q} at level {@code level}: its centre times
     * {@code spreadScale}, its half-width times the larger of {@code spreadScale} and {@code distanceScale}.
     */
    private static Interval bounds(double[] q, double level, double mean, double spreadScale, double distanceScale) {
        double lo = quantile(q, lower(level));
        double hi = quantile(q, upper(level));
        double centre = spreadScale * (lo + hi) / 2;
        double half = (hi - lo) / 2 * Math.max(spreadScale, distanceScale);
        return new Interval(mean + centre - half, mean + centre + half);
    }

    /** The band around the predicted curve {@code p} of {@code run}, at nominal coverage {@code level}. */
    public Band band(Run run, Prediction p, double level) {
        double[] steps = p.steps();
        double total = Scale.totalSteps(run).orElse(steps.length == 0 ? 1 : steps[steps.length - 1] + 1);
        double[] fractions = new double[steps.length];
        for (int j = 0; j < steps.length; j++) {
            fractions[j] = steps[j] / total;
        }
        return bandAtFractions(run, p, fractions, level);
    }

    /** As {@link #band}, with the fraction of training of each of the prediction's points given. */
    Band bandAtFractions(Run run, Prediction p, double[] fractions, double level) {
        SourceCalibration c = calibration(run.source());
        double spreadScale = spreadScale(c, p.spread());
        double distanceScale = distanceScale(c, run, growth);
        double margin = unseenMargin(run, level);
        double[] lo = new double[fractions.length];
        double[] hi = new double[fractions.length];
        for (int j = 0; j < lo.length; j++) {
            Interval at = bounds(curveQuantiles(c, c.bin(fractions[j])), level, p.losses()[j], spreadScale, distanceScale);
            lo[j] = at.lo() - margin;
            hi[j] = at.hi() + margin;
        }
        return new Band(lo, hi);
    }

    /**
     * The difficulty scale of {@code run} under calibration {@code c}: the larger of the spread and distance
     * terms, what a held-out error is divided by before its quantile is taken.
     */
    static double scale(SourceCalibration c, Run run, double spread, double growth) {
        return Math.max(spreadScale(c, spread), distanceScale(c, run, growth));
    }

    /**
     * The distance term of the scale: 1 + growth × the ln distance beyond the source's training range (the source's
     * own growth where its calibration has one), plus the source's step where it has one and the run lies beyond.
     */
    private static double distanceScale(SourceCalibration c, Run run, double growth) {
        double d = distance(c, run);
        double step = d > 0 && c.beyondStep() != null ? c.beyondStep() : 0;
        return 1 + step + (c.growth() != null ? c.growth() : growth) * d;
    }

    /** The spread term of the scale: sqrt(1 + (spread/τ)²). */
    private static double spreadScale(SourceCalibration c, double spread) {
        double ratio = c.tau() > 0 ? spread / c.tau() : 0;
        return Math.sqrt(1 + ratio * ratio);
    }

    /**
     * The scale of {@code run} that its own source's training runs never reached: {@code derived.params} where its
     * model size lies outside their sizes, {@code derived.tokens} where its token budget lies outside theirs, {@code
     * model.experts_per_token} where its expert density lies outside theirs (the ranges its interval widens beyond). Empty for a source calibrated only through the pooled intervals. A size
     * inside another source's range passes the network's own range check ({@link
     * dev.ncpl.text.NumericScaler#outsideTrainingRange}), which is pooled over sources, but is no less an
     * extrapolation for this source.
     */
    public List<String> beyondSourceRange(Run run) {
        SourceCalibration c = run.source() == null ? null : sources.get(run.source());
        if (c == null) {
            return List.of();
        }
        TrainingRange range = c.range();
        List<String> out = new ArrayList<>(2);
        if (range.paramsOutside(run) > RANGE_SLACK) {
            out.add("derived.params");
        }
        if (range.tokensOutside(run) > RANGE_SLACK) {
            out.add("derived.tokens");
        }
        if (range.densityOutside(run) > RANGE_SLACK) {
            out.add("model.experts_per_token");
        }
        return out;
    }

    /** How far (in ln units, N and D added) {@code run} lies outside the source's training range. */
    static double distance(SourceCalibration c, Run run) {
        return c.range().distance(run);
    }

    /** The quantiles of bin {@code b}, or of the nearest bin that has any. */
    private static double[] curveQuantiles(SourceCalibration c, int b) {
        double[][] q = c.curveQuantiles();
        for (int off = 0; off < q.length; off++) {
            for (int cand : new int[] {b + off, b - off}) {
                if (cand >= 0 && cand < q.length && q[cand] != null) {
                    return q[cand];
                }
            }
        }
        return c.finalQuantiles();
    }

    static double lower(double level) {
        checkLevel(level);
        return (1 - level) / 2;
    }

    static double upper(double level) {
        return (1 + level) / 2;
    }

    /** Refuses a nominal coverage outside (0, 1). */
    public static void checkLevel(double level) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("--level must be a coverage in (0, 1), such as 0.8; got " + level);
        }
    }

    /** The value at probability {@code p} of a quantile grid, linearly interpolated. */
    static double quantile(double[] grid, double p) {
        double x = p * (grid.length - 1);
        int i = (int) Math.floor(x);
        if (i >= grid.length - 1) {
            return grid[grid.length - 1];
        }
        double w = x - i;
        return grid[i] * (1 - w) + grid[i + 1] * w;
    }

    /** Writes the intervals to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.INTERVALS, this);
    }

    /** The intervals saved in model folder {@code modelDir} (older files migrated), or null when it has none. */
    public static PredictionIntervals loadIfPresent(Path modelDir) throws IOException {
        return ModelFiles.readIfPresent(modelDir, ModelFile.INTERVALS, PredictionIntervals.class);
    }

    /** Reads intervals saved by {@link #save}; errors name the file. */
    public static PredictionIntervals load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": this model has no prediction intervals (fit them with "
                    + "`ncpl calibrate --model DIR`)");
        }
        return ModelFiles.readFile(file, ModelFile.INTERVALS, PredictionIntervals.class);
    }
}
