package dev.ncpl.curve;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.learn.GaussianProcess;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.residual.SourceGp;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of one source's loss curves back from their final loss, as a {@link GaussianProcess} of
 * several targets: log(L(f·T) / L(T)) at each share f of training in {@link #FRACTIONS}, read from the
 * run's config through the same inputs as the final loss's process ({@link SourceGp}) and the
 * learning rate relative to its peak at a quarter, half and three quarters of the run (the schedule's
 * shape: a cosine and a linear decay have the same mean and end), but not the optimizer's one-hots, with
 * which Marin's curves came out worse (its optimizers' own settings stay inputs). The targets share one kernel, so
 * a whole curve costs one pass over the training runs. Between the shares the log drop is
 * interpolated linearly, and to 0 at the end of the run.
 *
 * <p>Why: the network's curve head and the {@link CurveShape}'s laws drift in the middle of runs unlike
 * those they learnt from (Step Law's in_val cells, the held-back sizes); a process on the whole shape
 * follows the grid between the runs it saw.
 *
 * @param keys the config fields read after the scale, the schedule and its shape, in order
 * @param optimizers the optimizers seen in training, lower case (the process predicts no other)
 * @param fractions the shares of training the targets sit at, ascending, below 1
 * @param runs the training runs it was fitted on
 * @param gp the process, one target per fraction
 */
public record CurveGp(@JsonProperty("keys") List<String> keys,
                      @JsonProperty("optimizers") List<String> optimizers,
                      @JsonProperty("fractions") double[] fractions,
                      @JsonProperty("runs") int runs,
                      @JsonProperty("gp") GaussianProcess gp) {
    /** Shares of training the process learns the curve at: every 5% from 10% (curve MAE is scored after 10%). */
    static final double[] FRACTIONS = {0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65,
        0.70, 0.75, 0.80, 0.85, 0.90, 0.95};
    /** Shares of the run whose relative learning rate is an input. */
    private static final double[] SCHEDULE_POINTS = {0.25, 0.5, 0.75};
    /**
     * Fits a process to the usable curves among {@code runs} (all of one source), or returns null when fewer than
     * {@code settings.gp_min_runs} are usable; deterministic in {@code seed}.
     */
    static CurveGp fit(List<Run> runs, long seed, PosthocSettings.Curves settings) {
        List<Run> usable = runs.stream().filter(r -> usable(r, settings.gpMinPoints())).toList();
        if (usable.size() < settings.gpMinRuns()) {
            return null;
        }
        CurveGp shape = new CurveGp(SourceGp.inputKeys(usable), ResidualModels.optimizers(usable), FRACTIONS.clone(),
                usable.size(), null);
        List<double[]> xs = new ArrayList<>(usable.size());
        double[][] ys = new double[usable.size()][];
        for (int i = 0; i < usable.size(); i++) {
            Run run = usable.get(i);
            LrSchedule schedule = LrSchedule.of(run);
            xs.add(shape.inputs(run, Scale.of(run), schedule));
            ys[i] = targets(run.curve(), schedule.total(), FRACTIONS);
        }
        return new CurveGp(shape.keys(), shape.optimizers(), shape.fractions(), usable.size(),
                GaussianProcess.fitAll(xs, ys, seed));
    }

    /** Whether {@code run}'s curve can teach a shape: at least {@code minPoints} points after step 0 and a positive final loss. */
    static boolean usable(Run run, int minPoints) {
        return run.hasCurve() && run.curve().finalLoss() > 0 && afterStepZero(run.curve()).size() >= minPoints;
    }

    /** The logged (step, loss) points after step 0 with a positive loss, in step order. */
    private static List<double[]> afterStepZero(Curve curve) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < curve.size(); i++) {
            if (curve.step(i) > 0 && curve.loss(i) > 0) {
                points.add(new double[] {curve.step(i), curve.loss(i)});
            }
        }
        return points;
    }

    /**
     * log(L(f·total) / final loss) at each of {@code fractions}, L read linearly between the logged points
     * after step 0 (a step-0 loss is the untrained model's, far above a straight line to the next point), the
     * nearest point's outside them.
     */
    static double[] targets(Curve curve, double total, double[] fractions) {
        List<double[]> points = afterStepZero(curve);
        double last = curve.finalLoss();
        double[] out = new double[fractions.length];
        for (int j = 0; j < fractions.length; j++) {
            out[j] = Math.log(interpolate(points, fractions[j] * total) / last);
        }
        return out;
    }

    private static double interpolate(List<double[]> points, double step) {
        if (step <= points.get(0)[0]) {
            return points.get(0)[1];
        }
        for (int i = 1; i < points.size(); i++) {
            double[] b = points.get(i);
            if (step <= b[0]) {
                double[] a = points.get(i - 1);
                return a[1] + (b[1] - a[1]) * (step - a[0]) / (b[0] - a[0]);
            }
        }
        return points.get(points.size() - 1)[1];
    }

    /** The process's inputs for {@code run}. */
    double[] inputs(Run run, Scale scale, LrSchedule schedule) {
        double[] shapeOfSchedule = new double[SCHEDULE_POINTS.length];
        for (int i = 0; i < shapeOfSchedule.length; i++) {
            shapeOfSchedule[i] = schedule.relativeLr(SCHEDULE_POINTS[i] * schedule.total());
        }
        return SourceGp.inputs(run, scale, schedule, keys, List.of(), shapeOfSchedule);
    }

    /** Whether the process saw {@code run}'s optimizer (or the source names none). */
    boolean knows(Run run) {
        return SourceGp.knows(optimizers, run);
    }

    /**
     * log(L(step) / final loss) of {@code run} at each of {@code steps}: NaN before the first fraction, 0
     * from the end of its {@code schedule} on, linear in the share of training between.
     */
    double[] logDrops(Run run, Scale scale, LrSchedule schedule, double[] steps) {
        double[] at = gp.predictAll(inputs(run, scale, schedule));
        double total = schedule.total();
        double[] out = new double[steps.length];
        for (int j = 0; j < steps.length; j++) {
            double f = steps[j] / total;
            if (f >= 1) {
                out[j] = 0;
            } else if (f < fractions[0]) {
                out[j] = Double.NaN;
            } else {
                int i = 0;
                while (i + 1 < fractions.length && fractions[i + 1] <= f) {
                    i++;
                }
                double f1 = i + 1 < fractions.length ? fractions[i + 1] : 1.0;
                double y1 = i + 1 < fractions.length ? at[i + 1] : 0.0;
                out[j] = at[i] + (y1 - at[i]) * (f - fractions[i]) / (f1 - fractions[i]);
            }
        }
        return out;
    }
}
