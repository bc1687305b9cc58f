package dev.ncpl.predict;

import dev.ncpl.runs.Run;
import java.util.List;

/**
 * Anything that predicts runs from their configs: the Chinchilla baseline, the neural predictor.
 * Implementations never read the input's observed losses, only its config and the steps asked for.
 */
public interface LossPredictor {
    /** A short name for reports, such as {@code chinchilla} or {@code ncpl}. */
    String name();

    /** Predicts each run at {@link PredictionSteps#of(Run)}; the list is in input order. */
    List<Prediction> predict(List<Run> runs);
}
