package dev.ncpl.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.text.NumericScaler;
import java.util.List;

/**
 * {@code model.json}: everything besides the weights that a trained predictor needs, and where it
 * came from.
 *
 * @param format format tag, {@value NcplModel#FORMAT}
 * @param network network shape
 * @param scaler per-field numeric statistics
 * @param targets target standardisation
 * @param members the ensemble's parameter files
 * @param knownOptimizers optimizer names seen in training (others are refused at prediction)
 * @param provenance data files and hashes, recipe, seed, training time, metrics
 * @param residualScale the unit of the final-loss residual, {@link ResidualScale#id()} (absent: none)
 */
public record ModelManifest(String format, ModelConfig network, NumericScaler scaler, TargetStats targets,
                            List<String> members, List<String> knownOptimizers, JsonNode provenance,
                            String residualScale) {
    /** The unit the members' final-loss residuals are in. */
    public ResidualScale finalResidualScale() {
        return ResidualScale.of(residualScale);
    }
}
