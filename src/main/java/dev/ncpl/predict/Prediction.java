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

    /**
     * Where {@code run}'s curve stops well before its schedule ends ({@link Run#stopsEarly()}) and this prediction
     * has a finite point at its last logged step: the predicted loss there, where its final loss was logged.
     */
    public OptionalDouble lossWhereItStopped(Run run) {
        if (!run.stopsEarly()) {
            return OptionalDouble.empty();
        }
        int j = Arrays.binarySearch(steps, run.curve().lastStep());
        return j >= 0 && Double.isFinite(losses[j]) ? OptionalDouble.of(losses[j]) : OptionalDouble.empty();
    }

    /**
     * The prediction of {@code run}'s final loss as its log records it: {@link #lossWhereItStopped} where its curve
     * stops early, else {@link #finalLoss}, the loss at the schedule's end.
     */
    public double finalLossAsLogged(Run run) {
        return lossWhereItStopped(run).orElse(finalLoss);
    }
}
