package dev.ncpl.model;

import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.DerivedExtra;
import dev.ncpl.text.NumericScaler;
import java.util.List;
import java.util.Set;

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
 * @param derivedExtras the derived lines beyond the standard ones in the text the network reads,
 *     {@link DerivedExtra#id()} (absent: none)
 * @param requiredKeys what a config to predict must give, by source (absent, in models saved before it was
 *     recorded: {@link RequiredKeys#BEFORE_RECORDED})
 * @param posthoc the settings its post-hoc models were fitted with and its blend uses (absent, in models saved
 *     before they were recorded: {@link PosthocSettings#DEFAULTS}, which they were made with)
 */
public record ModelManifest(String format, ModelConfig network, NumericScaler scaler, TargetStats targets,
                            List<String> members, List<String> knownOptimizers, Provenance provenance,
                            String residualScale, List<String> derivedExtras, RequiredKeys requiredKeys,
                            PosthocSettings posthoc) {
    /** This manifest with {@code p} as its provenance (a refit records itself so). */
    public ModelManifest withProvenance(Provenance p) {
        return new ModelManifest(format, network, scaler, targets, members, knownOptimizers, p, residualScale,
                derivedExtras, requiredKeys, posthoc);
    }

    /** The post-hoc settings it was made with. */
    public PosthocSettings posthocSettings() {
        return PosthocSettings.orDefaults(posthoc);
    }

    /** What a config to predict must give, by source. */
    public RequiredKeys required() {
        return requiredKeys != null ? requiredKeys : RequiredKeys.BEFORE_RECORDED;
    }

    /** The unit the members' final-loss residuals are in. */
    public ResidualScale finalResidualScale() {
        return ResidualScale.of(residualScale);
    }

    /** The derived lines beyond the standard ones that the members were trained to read. */
    public Set<DerivedExtra> extras() {
        return DerivedExtra.of(derivedExtras);
    }
}
