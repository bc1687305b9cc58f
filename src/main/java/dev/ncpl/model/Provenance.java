package dev.ncpl.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a trained model came from ({@code model.json}'s {@code provenance}): the run files and their SHA-256, the
 * protocol, the recipe and seed, how long training took and on what, its validation error, the parent of a
 * fine-tuning, and every later refit of the parts beside the network. Edited only through {@link #withRefit}.
 *
 * @param data run file name → SHA-256
 * @param protocol the data protocol
 * @param seededInVal whether sources without in_val runs had a seeded one held out (null in models saved before it
 *     existed: they did not)
 * @param trainingRuns runs trained on
 * @param validationRuns runs early-stopped and calibrated on
 * @param recipe the recipe, as trained with
 * @param seed the training seed
 * @param trainingSeconds seconds of network training
 * @param optimizerSteps optimizer steps taken
 * @param skippedNonFiniteSteps steps skipped for a non-finite gradient
 * @param retriedNonFiniteSteps steps tried again for one (null in models saved before retries)
 * @param device the device trained on
 * @param engine the deep-learning engine and its version
 * @param created when training ended (ISO-8601)
 * @param validationFinalMae final-loss MAE on the validation runs, by source
 * @param fineTunedFrom the parent of a fine-tuning and its own provenance (null for a model trained from scratch)
 * @param refits later refits, oldest first
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Provenance(Map<String, String> data, String protocol, Boolean seededInVal, int trainingRuns,
                         int validationRuns, JsonNode recipe, long seed, long trainingSeconds, long optimizerSteps,
                         long skippedNonFiniteSteps, Long retriedNonFiniteSteps, String device, String engine,
                         String created, Map<String, Double> validationFinalMae, JsonNode fineTunedFrom,
                         List<Refit> refits) {
    public Provenance {
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
        validationFinalMae = validationFinalMae == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validationFinalMae));
        refits = refits == null ? null : List.copyOf(refits);
    }

    /**
     * A refit of parts beside the network after training.
     *
     * @param command the command that refitted them
     * @param at when (ISO-8601)
     * @param data the run files it read, name → SHA-256
     * @param files the model files it wrote, name → SHA-256
     */
    public record Refit(String command, String at, Map<String, String> data, Map<String, String> files) {}

    /** Whether sources without in_val runs had a seeded one held out in training. */
    public boolean seededValidation() {
        return Boolean.TRUE.equals(seededInVal);
    }

    /** The recipe's name, or "?" where none is recorded. */
    public String recipeName() {
        return recipe == null ? "?" : recipe.path("name").asText("?");
    }

    /** This provenance with {@code refit} appended. */
    public Provenance withRefit(Refit refit) {
        List<Refit> all = new ArrayList<>(refits == null ? List.of() : refits);
        all.add(refit);
        return new Provenance(data, protocol, seededInVal, trainingRuns, validationRuns, recipe, seed, trainingSeconds,
                optimizerSteps, skippedNonFiniteSteps, retriedNonFiniteSteps, device, engine, created,
                validationFinalMae, fineTunedFrom, all);
    }
}
