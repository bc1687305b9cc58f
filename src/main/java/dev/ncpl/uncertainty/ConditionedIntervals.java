package dev.ncpl.uncertainty;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ConditionedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prediction intervals for runs in progress ({@code predict --condition-on-curve}): one set of
 * {@link PredictionIntervals} per observed share of training, each calibrated on the errors of
 * conditioned predictions of held-out runs cut at that share. A run is served by the calibration of the
 * largest share it has seen (less seen is more uncertain, so this errs wide); a run that has seen less
 * than the smallest share gets none here and falls back to the config-only intervals. Observed curve
 * points are returned as observed, so the band is closed over them. Saved beside a trained predictor as
 * {@value #FILE}.
 */
public final class ConditionedIntervals {
    /** File name in a model folder. */
    public static final String FILE = ModelFile.CONDITIONED_INTERVALS.fileName();
    /** Observed shares of training calibrated. */
    public static final double[] FRACTIONS = {0.1, 0.2, 0.3, 0.5, 0.7};

    private final TreeMap<Double, PredictionIntervals> byFraction;

    public ConditionedIntervals(@JsonProperty("by_observed_fraction") Map<String, PredictionIntervals> byFraction) {
        this.byFraction = new TreeMap<>();
        byFraction.forEach((k, v) -> this.byFraction.put(Double.parseDouble(k), v));
        if (this.byFraction.isEmpty()) {
            throw new IllegalArgumentException("conditioned intervals need at least one observed fraction");
        }
    }

    @JsonProperty("by_observed_fraction")
    public Map<String, PredictionIntervals> byFraction() {
        Map<String, PredictionIntervals> out = new LinkedHashMap<>();
        byFraction.forEach((k, v) -> out.put(Double.toString(k), v));
        return out;
    }

    /**
     * Fits the intervals from {@code heldOut} runs: each cut at every fraction of {@link #FRACTIONS}, predicted
     * from its prefix, and its errors after the cut measured. {@code training} gives the sources' trained ranges.
     */
    public static ConditionedIntervals fit(List<Run> training, List<Run> heldOut, BlendedPredictor predictor,
                                           PrefixConditioner prefix, double growth) {
        return fit(training, heldOut, predictor, prefix, growth, (f, residuals) -> { });
    }

    /** As {@link #fit(List, List, BlendedPredictor, PrefixConditioner, double)}, handing each fraction's residuals to {@code seen}. */
    public static ConditionedIntervals fit(List<Run> training, List<Run> heldOut, BlendedPredictor predictor,
                                           PrefixConditioner prefix, double growth,
                                           java.util.function.BiConsumer<Double, List<IntervalFitter.Residuals>> seen) {
        Map<String, PredictionIntervals> out = new LinkedHashMap<>();
        List<Run> withCurves = withCurves(heldOut);
        if (withCurves.isEmpty()) {
            throw new IllegalArgumentException("no held-out runs with a curve to calibrate conditioned intervals on");
        }
        for (double f : FRACTIONS) {
            List<IntervalFitter.Residuals> residuals = residuals(withCurves, predictor, prefix, f);
            seen.accept(f, residuals);
            out.put(Double.toString(f), IntervalFitter.fit(training, residuals, growth,
                    predictor.model().manifest().posthocSettings().intervals().minRuns()));
        }
        return new ConditionedIntervals(out);
    }

    /** The errors of predictions of {@code runs} (with curves) cut at {@code cut} of training, after the cut. */
    private static List<IntervalFitter.Residuals> residuals(List<Run> runs, BlendedPredictor predictor,
                                                            PrefixConditioner prefix, double cut) {
        return afterCut(IntervalFitter.residuals(runs, new ConditionedPredictor(predictor, prefix, cut).predict(runs)), cut);
    }

    /** {@code residuals} of predictions conditioned on the first {@code cut} of training, without the observed points. */
    public static List<IntervalFitter.Residuals> afterCut(List<IntervalFitter.Residuals> residuals, double cut) {
        return residuals.stream().map(r -> afterCut(r, cut)).toList();
    }

    /**
     * Coverage of these intervals on {@code runs} cut at {@code cut} of training (one of {@link #FRACTIONS}), per
     * source and over all: a check on runs the calibration never saw, such as a held-back model size.
     */
    public Map<String, IntervalFitter.Coverage> coverage(List<Run> runs, BlendedPredictor predictor,
                                                         PrefixConditioner prefix, double cut, double level) {
        PredictionIntervals pi = at(cut);
        if (pi == null) {
            throw new IllegalArgumentException("no conditioned intervals for a cut at " + cut);
        }
        return IntervalFitter.coverage(pi, residuals(withCurves(runs), predictor, prefix, cut), level);
    }

    /** The runs with a curve of two points or more: those a cut leaves something to predict for. */
    public static List<Run> withCurves(List<Run> runs) {
        return runs.stream().filter(r -> r.hasCurve() && r.curve().size() > 1).toList();
    }

    /**
     * {@code r} without its curve points up to the cut: those are returned as observed, so their error is
     * zero by construction and would only dilute the quantiles (and the coverage) of the predicted ones.
     */
    private static IntervalFitter.Residuals afterCut(IntervalFitter.Residuals r, double cut) {
        int n = 0;
        for (double f : r.fractions()) {
            n += f > cut + 1e-9 ? 1 : 0;
        }
        double[] fractions = new double[n];
        double[] residuals = new double[n];
        for (int j = 0, k = 0; j < r.fractions().length; j++) {
            if (r.fractions()[j] > cut + 1e-9) {
                fractions[k] = r.fractions()[j];
                residuals[k++] = r.curveResiduals()[j];
            }
        }
        return new IntervalFitter.Residuals(r.run(), r.finalResidual(), r.spread(), fractions, residuals);
    }

    /** The intervals for a run that has seen {@code observedFraction} of its training, or null below the smallest. */
    public PredictionIntervals at(double observedFraction) {
        Map.Entry<Double, PredictionIntervals> e = byFraction.floorEntry(observedFraction + 1e-9);
        return e == null ? null : e.getValue();
    }

    /**
     * The final-loss interval and curve band of a conditioned prediction {@code p} of {@code run}, at level
     * {@code level}: from the calibration of the share the run has seen, else from {@code configOnly} (may be
     * null: then none). Points already observed get a band of zero width; so does the final loss of a finished run.
     */
    public static Bounds bounds(ConditionedIntervals conditioned, PredictionIntervals configOnly, Run run, Prediction p,
                                double level) {
        double seen = observedFraction(run);
        PredictionIntervals pi = conditioned == null ? null : conditioned.at(seen);
        if (pi == null) {
            pi = configOnly;
        }
        if (pi == null) {
            return null;
        }
        PredictionIntervals.Interval iv = pi.finalInterval(run, p, level);
        PredictionIntervals.Band band = pi.band(run, p, level);
        double lastSeen = seen > 0 ? run.curve().lastStep() : -1;
        for (int j = 0; j < p.steps().length; j++) {
            if (p.steps()[j] <= lastSeen) {
                band.lo()[j] = p.losses()[j];
                band.hi()[j] = p.losses()[j];
            }
        }
        if (seen >= 1) {
            iv = new PredictionIntervals.Interval(p.finalLoss(), p.finalLoss());
        }
        return new Bounds(iv, band);
    }

    /** An interval of the final loss and a band around the curve. */
    public record Bounds(PredictionIntervals.Interval interval, PredictionIntervals.Band band) {}

    /** The share of its schedule that {@code run}'s curve has reached (0 without a curve or a step past 0). */
    public static double observedFraction(Run run) {
        if (!run.hasCurve()) {
            return 0;
        }
        Curve c = run.curve();
        double total = Scale.totalSteps(run).orElse(c.lastStep() + 1);
        return c.lastStep() > 0 ? Math.min(1, c.lastStep() / total) : 0;
    }

    /** Writes the intervals to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.CONDITIONED_INTERVALS, this);
    }

    /** The conditioned intervals saved in {@code modelDir} (older files migrated), or null when it has none. */
    public static ConditionedIntervals loadIfPresent(Path modelDir) throws IOException {
        return ModelFiles.readIfPresent(modelDir, ModelFile.CONDITIONED_INTERVALS, ConditionedIntervals.class);
    }
}
