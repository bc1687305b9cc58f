package dev.ncpl.eval;

import dev.ncpl.math.Stats;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Accuracy figures of one predictor on one group of runs.
 *
 * @param runs number of runs scored
 * @param finalMae mean absolute error of the final loss
 * @param finalRmse root mean squared error of the final loss
 * @param finalAre mean absolute relative error |pred − true| / true of the final loss
 * @param spearman Spearman rank correlation between predicted and true final losses
 * @param finalMedianError the median of predicted − true final loss: the offset shared by the group (positive:
 *     predicted too high)
 * @param finalMaeLessOffset the final-loss MAE once {@code finalMedianError} is taken from every prediction:
 *     what an offset measured on a few runs (of a new size, say) would leave. Two predictors can have the
 *     same MAE for opposite reasons, one with an offset that a few runs fix, one with a spread no offset does;
 *     beyond the sizes a model saw, this tells them apart.
 * @param curveMae mean absolute error over every curve point after the first 10% of training
 * @param curvePoints number of curve points in {@link #curveMae}
 * @param stoppedEarly runs among them whose curves stop well before their schedules end ({@link
 *     dev.ncpl.runs.Run#stopsEarly()}): their last logged loss, the final loss as the run format defines it, is
 *     not the loss their schedules would have reached, so the final-loss figures score the predicted curve at the
 *     last logged step for them (as the conditioned and power-law predictors' final loss already is)
 * @param finalMaeAtScheduleEnd the final-loss MAE with those runs scored by the loss predicted at their schedules'
 *     end, as every run was scored before runs that stop early were told apart (equal to {@link #finalMae} where none stops early)
 * @param finalMaeReachingScheduleEnd the final-loss MAE over the other runs alone, those whose last logged loss is
 *     the loss their schedules reached: the figure no scoring convention for the runs that stop early moves (NaN
 *     where every run stops early)
 */
public record Metrics(int runs, double finalMae, double finalRmse, double finalAre, double spearman,
                      double finalMedianError, double finalMaeLessOffset, double curveMae, long curvePoints,
                      int stoppedEarly, double finalMaeAtScheduleEnd, double finalMaeReachingScheduleEnd) {

    /** The final-loss figures of {@code pred} against {@code truth}, with the curve's {@code curveMae} over {@code curvePoints}. */
    public static Metrics of(double[] pred, double[] truth, double curveMae, long curvePoints) {
        return of(pred, pred, new boolean[pred.length], truth, curveMae, curvePoints);
    }

    /**
     * As {@link #of(double[], double[], double, long)}, where {@code pred} holds, for the runs marked in {@code
     * stoppedEarly}, the loss predicted at their last logged step, and {@code atScheduleEnd} the same predictions
     * but with the loss predicted at the end of every run's schedule.
     */
    public static Metrics of(double[] pred, double[] atScheduleEnd, boolean[] stoppedEarly, double[] truth,
                             double curveMae, long curvePoints) {
        double offset = medianError(pred, truth);
        double[] shifted = new double[pred.length];
        for (int i = 0; i < pred.length; i++) {
            shifted[i] = pred[i] - offset;
        }
        int[] reaching = IntStream.range(0, pred.length).filter(i -> !stoppedEarly[i]).toArray();
        double[] reachingPred = Arrays.stream(reaching).mapToDouble(i -> pred[i]).toArray();
        double[] reachingTruth = Arrays.stream(reaching).mapToDouble(i -> truth[i]).toArray();
        return new Metrics(pred.length, mae(pred, truth), rmse(pred, truth), are(pred, truth), spearman(pred, truth),
                offset, mae(shifted, truth), curveMae, curvePoints, pred.length - reaching.length,
                mae(atScheduleEnd, truth), mae(reachingPred, reachingTruth));
    }

    /** The median of {@code pred[i] − truth[i]}; NaN for none. */
    public static double medianError(double[] pred, double[] truth) {
        double[] e = new double[pred.length];
        for (int i = 0; i < pred.length; i++) {
            e[i] = pred[i] - truth[i];
        }
        return Stats.median(e);
    }

    /** Mean absolute error of two equally long arrays. */
    public static double mae(double[] pred, double[] truth) {
        double s = 0;
        for (int i = 0; i < pred.length; i++) {
            s += Math.abs(pred[i] - truth[i]);
        }
        return pred.length == 0 ? Double.NaN : s / pred.length;
    }
    public static double rmse(double[] pred, double[] truth) {
        double s = 0;
        for (int i = 0; i < pred.length; i++) {
            s += (pred[i] - truth[i]) * (pred[i] - truth[i]);
        }
        return pred.length == 0 ? Double.NaN : Math.sqrt(s / pred.length);
    }

    public static double are(double[] pred, double[] truth) {
        double s = 0;
        for (int i = 0; i < pred.length; i++) {
            s += Math.abs(pred[i] - truth[i]) / truth[i];
        }
        return pred.length == 0 ? Double.NaN : s / pred.length;
    }

    /** Spearman's ρ with average ranks for ties; NaN for fewer than two points or a constant input. */
    public static double spearman(double[] x, double[] y) {
        if (x.length < 2) {
            return Double.NaN;
        }
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < v.length) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
