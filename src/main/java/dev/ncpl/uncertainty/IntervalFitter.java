package dev.ncpl.uncertainty;

import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.TrainingRange;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.uncertainty.PredictionIntervals.Interval;
import dev.ncpl.uncertainty.PredictionIntervals.SourceCalibration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fits {@link PredictionIntervals} from a predictor's errors on held-out runs, and measures the coverage
 * they reach by cross-fitting: the held-out runs are split into folds, each fold's intervals come from
 * the other folds' residuals, so the reported coverage is measured on runs the calibration never saw.
 */
public final class IntervalFitter {
    /** Points of each stored quantile grid (probabilities 0, 0.01, …, 1). */
    static final int GRID = 101;
    /** Calibration runs a source (and a curve bin) needs for intervals of its own, unless a model's settings say. */
    static final int MIN_RUNS = PosthocSettings.DEFAULTS.intervals().minRuns();
    /**
     * Held-out runs below which no interval is calibrated at all: split conformal's 80% interval needs its upper
     * quantile at rank ⌈0.9 (n + 1)⌉ ≤ n, so n ≥ 9; with fewer, quantiles of the few errors there are (one error
     * gave a zero-width interval) claim a confidence the runs cannot give.
     */
    public static final int MIN_CALIBRATION_RUNS = 9;
    /** Folds of the cross-fitted coverage. */
    public static final int FOLDS = 5;

    private IntervalFitter() {}

    /**
     * The errors of one held-out run.
     *
     * @param run the run
     * @param finalResidual true − predicted final loss ({@link Prediction#finalLossAsLogged}: at the last logged
     *     step of a run whose curve stops early)
     * @param spread the ensemble's spread on its final loss
     * @param fractions the fraction of training of each scored curve point
     * @param curveResiduals true − predicted loss at each of those points
     */
    public record Residuals(Run run, double finalResidual, double spread, double[] fractions, double[] curveResiduals) {}

    /**
     * Coverage measured on held-out runs.
     *
     * @param runs runs scored
     * @param finalCoverage share of runs whose true final loss lies in its interval
     * @param finalWidth mean width of the final-loss intervals
     * @param curveCoverage share of curve points (past step 0) inside the band
     * @param curveWidth mean width of the band
     */
    public record Coverage(int runs, double finalCoverage, double finalWidth, double curveCoverage, double curveWidth) {}

    /**
     * The errors of {@code predictions} (made at each run's own curve steps) against the runs' curves; a run whose
     * curve stops early is scored at its last logged step ({@link Prediction#finalLossAsLogged}), as in {@code
     * ncpl eval}.
     */
    public static List<Residuals> residuals(List<Run> runs, List<Prediction> predictions) {
        List<Residuals> out = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            Prediction p = predictions.get(i);
            if (!run.hasCurve()) {
                continue;
            }
            double total = Scale.totalSteps(run).orElse(run.curve().lastStep() + 1);
            List<double[]> points = new ArrayList<>();
            for (int j = 0; j < run.curve().size() && j < p.steps().length; j++) {
                if (run.curve().step(j) > 0) {
                    points.add(new double[] {run.curve().step(j) / total, run.curve().loss(j) - p.losses()[j]});
                }
            }
            out.add(new Residuals(run, run.curve().finalLoss() - p.finalLossAsLogged(run), p.spread(),
                    points.stream().mapToDouble(x -> x[0]).toArray(), points.stream().mapToDouble(x -> x[1]).toArray()));
        }
        return out;
    }

    /**
     * Fits intervals from {@code calibration} residuals; {@code training} (the runs the predictor learnt
     * from) gives each source's range of sizes and token budgets.
     */
    public static PredictionIntervals fit(List<Run> training, List<Residuals> calibration, double growth) {
        return fit(training, calibration, growth, MIN_RUNS);
    }

    /**
     * As {@link #fit(List, List, double)}; a source (and a curve bin) needs {@code minRuns} calibration runs for
     * intervals of its own ({@code posthoc.intervals.min_runs}).
     */
    public static PredictionIntervals fit(List<Run> training, List<Residuals> calibration, double growth, int minRuns) {
        Map<String, List<Residuals>> bySource = new TreeMap<>();
        for (Residuals r : calibration) {
            bySource.computeIfAbsent(r.run().source(), k -> new ArrayList<>()).add(r);
        }
        Map<String, SourceCalibration> sources = new TreeMap<>();
        sources.put(PredictionIntervals.POOLED, calibrate(calibration, training, growth, minRuns));
        bySource.forEach((source, rs) -> {
            if (rs.size() >= minRuns) {
                sources.put(source, calibrate(rs, training.stream().filter(t -> t.source().equals(source)).toList(),
                        growth, minRuns));
            }
        });
        return new PredictionIntervals(sources, growth);
    }

    /**
     * The widening for sources never seen by a model trained on {@code training} whose baseline knows
     * {@code known}: the pooled law's errors on each training source left out of it (every source weighing
     * the same). When the runs hold fewer than two sources (a fine-tuning on one source's runs), the
     * widening of {@code earlier} (the parent's intervals, or the model's own before a recalibration) with
     * {@code known} as the sources known; null when there is neither.
     */
    public static PredictionIntervals.UnseenSources unseenSources(List<Run> training, java.util.Collection<String> known,
                                                                  PredictionIntervals earlier) {
        Map<String, double[]> errors = dev.ncpl.baseline.LeaveOneSourceOut.errors(training);
        if (errors.isEmpty()) {
            return earlier == null || earlier.unseenSources() == null ? null : earlier.unseenSources().knowing(known);
        }
        Map<String, Double> medians = new TreeMap<>();
        List<Double> pooled = new ArrayList<>();
        errors.forEach((source, e) -> {
            medians.put(source, median(e));
            // each source enters as its own quantile grid, so that a source with many runs weighs no more
            for (double q : grid(Arrays.stream(e).map(Math::abs).toArray())) {
                pooled.add(q);
            }
        });
        return new PredictionIntervals.UnseenSources(List.of(), medians,
                grid(pooled.stream().mapToDouble(Double::doubleValue).toArray())).knowing(known);
    }

    private static SourceCalibration calibrate(List<Residuals> rs, List<Run> training, double growth, int minRuns) {
        if (rs.isEmpty()) {
            throw new IllegalArgumentException("no held-out runs with a curve to calibrate prediction intervals on");
        }
        double tau = median(rs.stream().mapToDouble(r -> Math.abs(r.finalResidual())).toArray());
        TrainingRange range = TrainingRange.of(training);
        double[] logN = range.logParams();
        double[] logD = range.logTokens();
        // the scale needs tau and the ranges; quantiles are taken after dividing by it
        double[] edges = PredictionIntervals.CURVE_BIN_EDGES;
        SourceCalibration unit = new SourceCalibration(rs.size(), tau, null, null, logN, logD, edges,
                range.logActiveShare(), null, null);
        double[] finals = new double[rs.size()];
        List<List<Double>> bins = new ArrayList<>();
        for (int b = 0; b <= edges.length; b++) {
            bins.add(new ArrayList<>());
        }
        for (int i = 0; i < rs.size(); i++) {
            Residuals r = rs.get(i);
            double s = PredictionIntervals.scale(unit, r.run(), r.spread(), growth);
            finals[i] = r.finalResidual() / s;
            for (int j = 0; j < r.fractions().length; j++) {
                bins.get(unit.bin(r.fractions()[j])).add(r.curveResiduals()[j] / s);
            }
        }
        double[][] curve = new double[bins.size()][];
        for (int b = 0; b < curve.length; b++) {
            curve[b] = bins.get(b).size() >= minRuns ? grid(bins.get(b).stream().mapToDouble(Double::doubleValue).toArray())
                    : null;
        }
        return new SourceCalibration(rs.size(), tau, grid(finals), curve, logN, logD, edges, range.logActiveShare(), null, null);
    }

    /**
     * The quantile grid of {@code values} at each of {@value #GRID} even probabilities p. The k-th smallest
     * of n values stands at p = k/(n+1) (its expected share of the distribution below it), as split
     * conformal prediction counts; the usual (k−1)/(n−1) would make an 80% interval from 10 held-out runs
     * cover about 65% of new runs. Probabilities beyond the extremes take the extremes.
     */
    static double[] grid(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        double[] g = new double[GRID];
        for (int i = 0; i < GRID; i++) {
            double x = Math.max(0, Math.min(v.length - 1, (double) i / (GRID - 1) * (v.length + 1) - 1));
            int lo = (int) Math.floor(x);
            int hi = Math.min(v.length - 1, lo + 1);
            g[i] = v[lo] + (v[hi] - v[lo]) * (x - lo);
        }
        return g;
    }

    private static double median(double[] v) {
        return grid(v)[GRID / 2];
    }

    /** Coverage of {@code intervals} on {@code test}, per source and over all ("*"), at {@code level}. */
    public static Map<String, Coverage> coverage(PredictionIntervals intervals, List<Residuals> test, double level) {
        Map<String, double[]> sums = new TreeMap<>();
        addCounts(sums, intervals, test, level);
        return finish(sums);
    }

    /**
     * Coverage of intervals fitted on all but one of {@value #FOLDS} folds of {@code calibration} and
     * scored on the fold left out, summed over the folds. Folds are fixed by the run ids.
     */
    public static Map<String, Coverage> crossValidated(List<Run> training, List<Residuals> calibration,
                                                        double growth, double level) {
        return crossValidated(training, calibration, growth, level, MIN_RUNS);
    }

    /** As {@link #crossValidated(List, List, double, double)}, each fold's intervals fitted with {@code minRuns}. */
    public static Map<String, Coverage> crossValidated(List<Run> training, List<Residuals> calibration,
                                                        double growth, double level, int minRuns) {
        Map<String, double[]> sums = new TreeMap<>();
        for (int fold = 0; fold < FOLDS; fold++) {
            List<Residuals> fit = new ArrayList<>();
            List<Residuals> test = new ArrayList<>();
            for (Residuals r : calibration) {
                (fold(r.run()) == fold ? test : fit).add(r);
            }
            if (!test.isEmpty() && !fit.isEmpty()) {
                addCounts(sums, fit(training, fit, growth, minRuns), test, level);
            }
        }
        return finish(sums);
    }

    /** Adds, per source and pooled: runs, finals covered, final widths, curve points, points covered, band widths. */
    private static void addCounts(Map<String, double[]> sums, PredictionIntervals intervals, List<Residuals> test,
                                  double level) {
        for (Residuals r : test) {
            Run run = r.run();
            // predicted = −residual, so the truth sits at 0
            Prediction p = new Prediction(run.id(), -r.finalResidual(), r.fractions(), negate(r.curveResiduals()),
                    r.spread());
            Interval iv = intervals.finalInterval(run, p, level);
            PredictionIntervals.Band band = intervals.bandAtFractions(run, p, r.fractions(), level);
            for (String key : new String[] {run.source(), PredictionIntervals.POOLED}) {
                double[] s = sums.computeIfAbsent(key, k -> new double[6]);
                s[0]++;
                s[1] += iv.contains(0) ? 1 : 0;
                s[2] += iv.width();
                for (int j = 0; j < band.lo().length; j++) {
                    s[3]++;
                    s[4] += band.lo()[j] <= 0 && 0 <= band.hi()[j] ? 1 : 0;
                    s[5] += band.hi()[j] - band.lo()[j];
                }
            }
        }
    }

    private static Map<String, Coverage> finish(Map<String, double[]> sums) {
        Map<String, Coverage> out = new TreeMap<>();
        sums.forEach((k, s) -> out.put(k, new Coverage((int) s[0], s[1] / s[0], s[2] / s[0],
                s[3] > 0 ? s[4] / s[3] : Double.NaN, s[3] > 0 ? s[5] / s[3] : Double.NaN)));
        return out;
    }

    private static int fold(Run run) {
        return Math.floorMod(run.id().hashCode() * 31 + 7, FOLDS);
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }
}
