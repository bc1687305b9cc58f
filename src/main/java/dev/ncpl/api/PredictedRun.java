package dev.ncpl.api;

import java.util.List;

/**
 * What ncpl predicts for one config: the final loss with its prediction interval, the loss curve at {@code steps}
 * with its band, and the fields of the config that lie outside what the model learnt from.
 *
 * @param id the config's id
 * @param finalLoss the predicted final loss
 * @param finalLossInterval the interval at the level asked for, or null when the model has no intervals
 * @param steps the steps of the curve: the config's own curve's, or 16 even steps of its schedule (for a run in
 *     progress, the observed steps and then 16 even steps of the rest)
 * @param curve the predicted loss at each step (a run in progress: its observed losses, then the prediction)
 * @param band the curve band at the level asked for, or null when the model has no intervals
 * @param outsideTrainingRange config fields beyond every training config, or that none had
 * @param beyondSourceRange {@code derived.params} and/or {@code derived.tokens} where the config is larger or longer
 *     than every training run of its source: an extrapolation
 */
public record PredictedRun(String id, double finalLoss, Interval finalLossInterval, double[] steps, double[] curve,
                           Band band, List<String> outsideTrainingRange, List<String> beyondSourceRange) {
    /** A prediction interval: the true value lies in [lo, hi] with the level's probability (measured, not assumed). */
    public record Interval(double lo, double hi) {}

    /** A band about the curve: lo[i] and hi[i] at steps[i]. */
    public record Band(double[] lo, double[] hi) {}
}
