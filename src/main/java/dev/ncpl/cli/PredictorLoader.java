package dev.ncpl.cli;

import dev.ncpl.eval.EvalReport;
import dev.ncpl.predict.BlendedPredictor;
import java.io.IOException;
import java.nio.file.Path;

/** Opens a trained predictor folder for evaluation and records its provenance in the report. */
final class PredictorLoader {
    private PredictorLoader() {}

    /** Loads the model in {@code dir}, named {@code name} in the report. */
    static BlendedPredictor load(Path dir, String name, EvalReport report) throws IOException {
        BlendedPredictor p = BlendedPredictor.load(dir).named(name);
        var prov = p.model().manifest().provenance();
        report.provenance(name + " model", dir + " (recipe " + prov.recipeName() + ", protocol " + prov.protocol()
                + ", seed " + prov.seed() + ", ensemble of " + p.model().ensembleSize() + ", trained in "
                + prov.trainingSeconds() + " s)");
        return p;
    }
}
