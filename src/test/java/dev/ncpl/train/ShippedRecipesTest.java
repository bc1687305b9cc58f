package dev.ncpl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The recipes in training-configs/ read and check, and the shipped ones describe the shipped models' post-hoc settings. */
class ShippedRecipesTest {
    @Test
    void everyRecipeReadsAndTheShippedOnesGiveTheShippedModelsSettings() throws IOException {
        List<Path> recipes;
        try (Stream<Path> files = Files.walk(Path.of("training-configs"))) {
            recipes = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(recipes.isEmpty());
        for (Path f : recipes) {
            Recipe.load(f);
        }
        for (String name : List.of("default", "extrapolation")) {
            Recipe r = Recipe.load(Path.of("training-configs", name + ".json"));
            ModelManifest shipped = Json.read(Path.of("models", name, NcplModel.MANIFEST), ModelManifest.class);
            // the shipped models were made before model.json recorded the settings: with the defaults
            assertEquals(shipped.posthocSettings(), r.posthocSettings(), name);
            assertEquals(PosthocSettings.DEFAULTS, r.posthocSettings(), name);
        }
    }
}
