package dev.ncpl.predict;

/**
 * A predicted run: final loss and the loss at the requested steps.
 *
 * @param id the input run's id
 * @param finalLoss predicted loss at the end of training
 * @param steps steps at which the curve is predicted
 * @param losses predicted loss at each step
 */
public record Prediction(String id, double finalLoss, double[] steps, double[] losses) {}
