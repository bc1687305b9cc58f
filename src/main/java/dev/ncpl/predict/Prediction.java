package dev.ncpl.predict;

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
}
