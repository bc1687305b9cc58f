package dev.ncpl.train;

import dev.ncpl.bundle.ModelFile;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.Provenance;
import dev.ncpl.util.Json;
import java.util.Locale;

/** Renders a model folder's README.md from its manifest: what it was trained on, how, and how well. */
final class ModelCard {
    private ModelCard() {}

    static String render(String folderName, ModelManifest m) throws com.fasterxml.jackson.core.JsonProcessingException {
        Provenance p = m.provenance();
        StringBuilder sb = new StringBuilder();
        sb.append("# Model card: ").append(folderName).append("\n\n");
        sb.append(p.recipe() == null ? "" : p.recipe().path("description").asText("")).append("\n\n");
        sb.append("## Provenance\n\n");
        sb.append("| | |\n|---|---|\n");
        sb.append("| recipe | `").append(p.recipeName()).append("` (full recipe below) |\n");
        sb.append("| protocol | ").append(p.protocol()).append(" |\n");
        sb.append("| training runs | ").append(p.trainingRuns()).append(" |\n");
        sb.append("| validation runs (early stopping) | ").append(p.validationRuns()).append(" |\n");
        sb.append("| seed | ").append(p.seed()).append(" |\n");
        sb.append("| ensemble | ").append(m.members().size()).append(" networks |\n");
        sb.append("| training time | ").append(p.trainingSeconds()).append(" s on ")
          .append(p.device()).append(" (").append(p.engine()).append(") |\n");
        sb.append("| created | ").append(p.created()).append(" |\n");
        sb.append(String.format(Locale.ROOT, "| network | d_model %d, %d heads, %d layers, vocabulary %d |%n",
                m.network().dModel(), m.network().heads(), m.network().layers(), m.network().vocabularySize()));
        sb.append("| final-loss residual | ").append(m.finalResidualScale() == dev.ncpl.model.ResidualScale.NONE
                ? "in loss units" : "in units of the Chinchilla law's data term B/D^β").append(" |\n");
        if (!m.extras().isEmpty()) {
            sb.append("| derived lines beyond the standard ones | `")
              .append(String.join("`, `", dev.ncpl.text.DerivedExtra.ids(m.extras()))).append("` |\n");
        }
        if (p.fineTunedFrom() != null) {
            sb.append("| fine-tuned from | `").append(p.fineTunedFrom().path("model").asText()).append("` (model.json ")
              .append(p.fineTunedFrom().path("model_json_sha256").asText()).append(") |\n");
        }
        sb.append("\nBeside the networks: `baseline.json` (the Chinchilla law of each source), `"
                + ModelFile.PREFIX.fileName() + "` (runs in progress, `predict --condition-on-curve`), `"
                + ModelFile.SHAPE.fileName() + "` (the curve shape averaged into every predicted curve), `"
                + ModelFile.RESIDUALS.fileName() + "` (the residual trees, or a source's Gaussian process where it "
                + "passed the size check, averaged into every final loss; these three gzip-compressed JSON), "
                + "`intervals.json` (prediction intervals calibrated on the "
                + "validation runs) and `conditioned-intervals.json` (the same for runs in progress, from the "
                + "validation runs cut at 10–70% of training); `ncpl calibrate` prints their measured coverage.\n");
        sb.append("\nData files (SHA-256):\n\n");
        p.data().forEach((file, sha) -> sb.append("- `").append(file).append("`: `").append(sha).append("`\n"));
        sb.append("\n## Validation (final-loss MAE on the early-stopping runs)\n\n| source | MAE |\n|---|---:|\n");
        p.validationFinalMae().forEach((source, mae) -> sb.append(String.format(Locale.ROOT, "| %s | %.4f |%n", source,
                mae)));
        sb.append("\nFull evaluations beside the Chinchilla baseline: `./ncpl eval --model <this folder>` (see eval/).\n");
        sb.append("\n## Recipe\n\n```json\n")
          .append(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(p.recipe()))
          .append("\n```\n");
        return sb.toString();
    }
}
