package dev.ncpl.predict;

import dev.ncpl.runs.Run;
import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * A predicted run: final loss and the loss at the requested steps.
 *
 * @param id the input run's id
 * @param finalLoss predicted loss at the end of training
 * @param steps steps at which the curve is predicted
 * @param losses predicted loss at each step
 * @param spread standard deviation of the final loss across the ensemble's members (0 for a single
 *     network or a baseline): how much the members disagree, one input of the prediction intervals
 */
public record Prediction(String id, double finalLoss, double[] steps, double[] losses, double spread) {
    /** A prediction without an ensemble spread. */
    public Prediction(String id, double finalLoss, double[] steps, double[] losses) {
        this(id, finalLoss, steps, losses, 0);
    }

    /** The predicted loss at {@code run}'s last logged step, where this prediction has a finite point there. */
    public OptionalDouble lossAtLastLoggedStep(Run run) {
        if (!run.hasCurve()) {
            return OptionalDouble.empty();
        }
        int j = Arrays.binarySearch(steps, run.curve().lastStep());
        return j >= 0 && Double.isFinite(losses[j]) ? OptionalDouble.of(losses[j]) : OptionalDouble.empty();
    }

    /**
     * The prediction of {@code run}'s final loss as its log records it: where its curve stops well before its
     * schedule ends ({@link Run#stopsEarly()}), the predicted loss at its last logged step (when this prediction
     * has one), else {@link #finalLoss}, the loss at the schedule's end.
     */
    public double finalLossAsLogged(Run run) {
        return run.stopsEarly() ? lossAtLastLoggedStep(run).orElse(finalLoss) : finalLoss;
    }
}
