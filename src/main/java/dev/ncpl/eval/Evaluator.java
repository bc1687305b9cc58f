package dev.ncpl.eval;

import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Scores predictions against true runs, grouped by source and split. Curve error counts every
 * point after the first {@link #CURVE_SKIP_FRACTION} of training, where the loss is still falling
 * steeply and no config-level predictor is expected to follow it. A run a predictor declines (a
 * non-finite prediction) is left out of that predictor's figures, and its run count says so. A run's final
 * loss is its last logged one; where its curve stops well before its schedule ends ({@link Run#stopsEarly()}),
 * the prediction scored against it is the predicted curve at that last step, not the loss predicted at the
 * schedule's end ({@link Metrics#finalMaeAtScheduleEnd()} keeps that figure too).
 */
public final class Evaluator {
    /** Fraction of training at the start of each curve left out of the curve error. */
    public static final double CURVE_SKIP_FRACTION = 0.1;

    private Evaluator() {}

    /** Group key: {@code source/split}. */
    public static String group(Run run) {
        return run.source() + "/" + (run.split().isEmpty() ? "-" : run.split());
    }

    /**
     * A run's group by source and model size, such as {@code marin/537M} or {@code marin/1.21B} ({@code ?} where
     * its size cannot be resolved): for runs scored from a file of their own, whose split says nothing.
     */
    public static String groupBySize(Run run) {
        return run.source() + "/" + Scale.params(run).map(dev.ncpl.runs.RunStats::human).orElse("?");
    }

    /** Metrics per {@code source/split} group and over all runs ({@code all}). */
    public static Map<String, Metrics> score(List<Run> truth, List<Prediction> predictions) {
        return score(truth, predictions, Evaluator::group);
    }

    /** Metrics per group given by {@code grouping} and over all runs ({@code all}). */
    public static Map<String, Metrics> score(List<Run> truth, List<Prediction> predictions,
                                             java.util.function.Function<Run, String> grouping) {
        if (truth.size() != predictions.size()) {
            throw new IllegalArgumentException("predictions and runs differ in number");
        }
        Map<String, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < truth.size(); i++) {
            groups.computeIfAbsent(grouping.apply(truth.get(i)), k -> new ArrayList<>()).add(i);
        }
        Map<String, Metrics> out = new LinkedHashMap<>();
        groups.forEach((g, idx) -> out.put(g, metrics(truth, predictions, idx)));
        if (groups.size() > 1) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < truth.size(); i++) {
                all.add(i);
            }
            out.put("all", metrics(truth, predictions, all));
        }
        return out;
    }

    private static Metrics metrics(List<Run> truth, List<Prediction> preds, List<Integer> all) {
        // a predictor may decline a run (NaN), e.g. a curve extrapolation with nothing observed: score the rest
        List<Integer> idx = all.stream().filter(i -> Double.isFinite(preds.get(i).finalLoss())).toList();
        double[] p = new double[idx.size()];
        double[] t = new double[idx.size()];
        double[] atScheduleEnd = new double[idx.size()];
        boolean[] stopped = new boolean[idx.size()];
        double curveErr = 0;
        long curveN = 0;
        for (int k = 0; k < idx.size(); k++) {
            Run run = truth.get(idx.get(k));
            Prediction pr = preds.get(idx.get(k));
            if (!pr.id().equals(run.id())) {
                throw new IllegalArgumentException("prediction " + pr.id() + " does not match run " + run.id());
            }
            p[k] = pr.finalLoss();
            t[k] = run.curve().finalLoss();
            double[] steps = pr.steps();
            atScheduleEnd[k] = p[k];
            OptionalDouble atLastStep = pr.lossWhereItStopped(run);
            if (atLastStep.isPresent()) {
                p[k] = atLastStep.getAsDouble();
                stopped[k] = true;
            }
            double total = Scale.totalSteps(run).orElse(run.curve().lastStep());
            for (int i = 0; i < run.curve().size(); i++) {
                double step = run.curve().step(i);
                if (step <= CURVE_SKIP_FRACTION * total) {
                    continue;
                }
                int j = indexOf(steps, step);
                if (j < 0) {
                    throw new IllegalArgumentException(run.id() + ": prediction has no point at step " + step);
                }
                if (!Double.isFinite(pr.losses()[j])) {
                    continue;
                }
                curveErr += Math.abs(pr.losses()[j] - run.curve().loss(i));
                curveN++;
            }
        }
        return Metrics.of(p, atScheduleEnd, stopped, t, curveN == 0 ? Double.NaN : curveErr / curveN, curveN);
    }

    private static int indexOf(double[] steps, double step) {
        int j = java.util.Arrays.binarySearch(steps, step);
        return j >= 0 ? j : -1;
    }
}
