package dev.ncpl.model;

import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.text.LrSchedule;

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
 */
public record RunFeatures(String id, EncodedConfig encoded, double params, double tokens, double batchTokens,
                          ChinchillaLaw law, LrSchedule schedule) {
    /** Chinchilla L(N, D): the reference the final-loss head corrects. */
    public double baselineFinal() {
        return law.predict(params, tokens);
    }
}
