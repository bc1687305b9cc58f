package dev.ncpl.cli;

import dev.ncpl.eval.EvalReport;
import dev.ncpl.predict.LossPredictor;
import java.nio.file.Path;

/** Opens a trained predictor folder for evaluation. */
final class PredictorLoader {
    private PredictorLoader() {}

    static LossPredictor load(Path dir, EvalReport report) {
        throw new IllegalArgumentException(dir + ": loading trained predictors is not available in this build");
    }
}
