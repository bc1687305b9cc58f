package dev.ncpl.study;

import dev.ncpl.learn.GaussianProcess;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.LossPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.SourceGp;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * A candidate adaptation to a new source that trains no network: the model that never saw the source (the
 * parent), corrected by a {@link GaussianProcess} on log(true / parent's prediction) of the k runs given. The
 * parent's error on runs it never saw is honest evidence (a fine-tuned network's on its own training runs is not),
 * the process's constant mean is the source's level and its inputs (log N, log D/N, the schedule, the
 * hyperparameters every given run has, and the parent's own log prediction) let it bend the parent's trend in size
 * and learning rate where the k runs say so. The whole curve is scaled by the factor of its final loss. Measured
 * beside the adaptation {@code train --from} ships, by the new-source protocol.
 */
final class ParentResidualGp implements LossPredictor {
    /** Given runs below this fit no process: the parent's level is moved by their median gap alone. */
    static final int MIN_RUNS = 3;

    /** The two-sided level of the intervals, as the model's. */
    static final double LEVEL = 0.8;

    private final BlendedPredictor parent;
    private final List<String> keys;
    private final GaussianProcess gp;
    private final double shift;
    private final double halfWidth;

    private ParentResidualGp(BlendedPredictor parent, List<String> keys, GaussianProcess gp, double shift,
                             double halfWidth) {
        this.parent = parent;
        this.keys = keys;
        this.gp = gp;
        this.shift = shift;
        this.halfWidth = halfWidth;
    }

    /**
     * Half the width of the 80% interval, in log(loss): the root mean square of the leave-one-out errors on the
     * given runs (each run predicted by a process fitted on the others) times Student's t quantile for their
     * number less one (a handful of runs says little of the spread). NaN below {@link #MIN_RUNS} + 1 runs.
     */
    double halfWidth() {
        return halfWidth;
    }

    /** Fits the correction on {@code given} (runs the parent can predict); deterministic in {@code seed}. */
    static ParentResidualGp fit(BlendedPredictor parent, List<Run> given, long seed) {
        if (given.isEmpty()) {
            throw new IllegalArgumentException("a correction of the parent needs at least one given run");
        }
        double[] predicted = parent.predictFinal(given);
        double[] y = new double[given.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.log(given.get(i).curve().finalLoss() / predicted[i]);
        }
        if (given.size() < MIN_RUNS) {
            return new ParentResidualGp(parent, List.of(), null, dev.ncpl.math.Stats.median(y), Double.NaN);
        }
        List<String> keys = SourceGp.inputKeys(given);
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            xs.add(inputs(given.get(i), keys, predicted[i]));
        }
        double squares = 0;
        int held = 0;
        if (given.size() > MIN_RUNS) {
            for (int i = 0; i < y.length; i++) {
                List<double[]> restX = new ArrayList<>(xs);
                restX.remove(i);
                double[] restY = new double[y.length - 1];
                for (int j = 0, m = 0; j < y.length; j++) {
                    if (j != i) {
                        restY[m++] = y[j];
                    }
                }
                double e = y[i] - GaussianProcess.fit(restX, restY, seed).predict(xs.get(i));
                squares += e * e;
                held++;
            }
        }
        double half = held == 0 ? Double.NaN : Math.sqrt(squares / held) * studentT(held - 1);
        return new ParentResidualGp(parent, keys, GaussianProcess.fit(xs, y, seed), 0, half);
    }

    /** Student's t quantile at (1 + {@link #LEVEL}) / 2 for {@code dof} degrees of freedom (Cornish–Fisher, first order). */
    static double studentT(int dof) {
        double z = 1.2815515655446004;
        return dof < 1 ? Double.NaN : z + (z * z * z + z) / (4.0 * dof);
    }

    private static double[] inputs(Run run, List<String> keys, double parentPrediction) {
        return SourceGp.inputs(run, Scale.of(run), LrSchedule.of(run), keys, List.of(),
                new double[] {Math.log(parentPrediction)});
    }

    @Override
    public String name() {
        return NewSourceStudy.PARENT_GP;
    }

    @Override
    public List<Prediction> predict(List<Run> runs) {
        List<Prediction> base = parent.predict(runs);
        List<Prediction> out = new ArrayList<>(base.size());
        for (int i = 0; i < base.size(); i++) {
            Prediction p = base.get(i);
            double logFactor = gp == null ? shift : gp.predict(inputs(runs.get(i), keys, p.finalLoss()));
            double factor = Math.exp(logFactor);
            double[] losses = p.losses().clone();
            for (int j = 0; j < losses.length; j++) {
                losses[j] *= factor;
            }
            out.add(new Prediction(p.id(), p.finalLoss() * factor, p.steps(), losses, p.spread() * factor));
        }
        return out;
    }
}
