package dev.ncpl.model;

import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.text.LrSchedule;
import java.util.List;

/**
 * Everything the network needs to know about one run, computed once: the encoded config text, the
 * Chinchilla law of its source, and what places a step within the run.
 *
 * @param id run id
 * @param encoded token ids and numeric slots
 * @param params N
 * @param tokens D
 * @param batchTokens tokens per step
 * @param law the Chinchilla law of the run's source
 * @param schedule learning-rate schedule
 * @param finalUnit the unit of the final-loss residual (see {@link ResidualScale}; 1 for loss units)
 * @param outsideTrainingRange the config's numeric fields outside the training range, or never seen in training
 *     (see {@link dev.ncpl.text.NumericScaler#outsideTrainingRange})
 */
public record RunFeatures(String id, EncodedConfig encoded, double params, double tokens, double batchTokens,
                          ChinchillaLaw law, LrSchedule schedule, double finalUnit, List<String> outsideTrainingRange) {
    /** Chinchilla L(N, D): the reference the final-loss head corrects. */
    public double baselineFinal() {
        return law.predict(params, tokens);
    }

    /** The final-loss residual of a run that ended at {@code finalLoss}, in {@link #finalUnit} units. */
    public double finalResidual(double finalLoss) {
        return (finalLoss - baselineFinal()) / finalUnit;
    }

    /** The final loss a residual of {@code residual} units stands for. */
    public double finalLoss(double residual) {
        return baselineFinal() + finalUnit * residual;
    }
}
