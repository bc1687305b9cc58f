package dev.ncpl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.io.TempDir;

/** The recipes in training-configs/ read and check, and the shipped ones describe the shipped models' post-hoc settings. */
class ShippedRecipesTest {
    @Test
    void everyRecipeReadsAndTheShippedOnesGiveTheShippedModelsSettings() throws IOException {
        List<Path> recipes;
        try (Stream<Path> files = Files.walk(Path.of("training-configs"))) {
            recipes = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(recipes.isEmpty());
        java.util.Map<Path, Recipe> loaded = new java.util.LinkedHashMap<>();
        for (Path f : recipes) {
            loaded.put(f, Recipe.load(f));
        }
        for (String name : List.of("default", "extrapolation")) {
            ModelManifest shipped = Json.read(Path.of("models", name, NcplModel.MANIFEST), ModelManifest.class);
            com.fasterxml.jackson.databind.JsonNode trainedWith = shipped.provenance().recipe();
            // the recipe the model records it was made by is in training-configs, under its name
            String recorded = trainedWith.path("name").asText();
            List<Path> named = recipes.stream().filter(f -> loaded.get(f).name().equals(recorded)).toList();
            assertEquals(1, named.size(), name + ": one recipe named " + recorded + " in " + named);
            Recipe r = loaded.get(named.get(0));
            // the shipped models were made before model.json recorded the settings: with the defaults
            assertEquals(shipped.posthocSettings(), r.posthocSettings(), name);
            assertEquals(PosthocSettings.DEFAULTS, r.posthocSettings(), name);
            // and everything else the recipe says is what the shipped model was trained with
            com.fasterxml.jackson.databind.JsonNode now = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(r));
            trainedWith.fieldNames().forEachRemaining(field -> assertEquals(trainedWith.get(field), now.get(field),
                    name + ": field " + field));
            // which is the shipped recipe of that name but for its name and description
            com.fasterxml.jackson.databind.node.ObjectNode base = (com.fasterxml.jackson.databind.node.ObjectNode)
                    Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(
                            loaded.get(Path.of("training-configs", name + ".json"))));
            com.fasterxml.jackson.databind.node.ObjectNode same = now.deepCopy();
            for (com.fasterxml.jackson.databind.node.ObjectNode o : List.of(base, same)) {
                o.remove("name");
                o.remove("description");
            }
            assertEquals(base, same, name);
        }
    }

    @Test
    void aRecipeExtendsAnotherAndGivesOnlyWhatDiffers(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("base.json");
        Files.copy(Path.of("training-configs/default.json"), base);
        Path child = dir.resolve("sub/child.json");
        Files.createDirectories(child.getParent());
        Files.writeString(child, "{\"extends\": \"../base.json\", \"name\": \"child\", \"seed\": 3,"
                + " \"model\": {\"layers\": 3}, \"posthoc\": {\"blend\": {\"new_source_share\": 0.5}}}");
        Recipe r = Recipe.load(child);
        Recipe d = Recipe.load(base);
        assertEquals("child", r.name());
        assertEquals(3, r.seed());
        assertEquals(3, r.model().layers());
        assertEquals(d.model().dModel(), r.model().dModel(), "an object merges field by field");
        assertEquals(d.stages(), r.stages());
        assertEquals(0.5, r.posthocSettings().blend().newSourceShare());
        assertEquals(d.posthocSettings().residual(), r.posthocSettings().residual());

        Files.writeString(base, "{\"extends\": \"sub/child.json\"}");
        IOException cycle = assertThrows(IOException.class, () -> Recipe.load(child));
        assertTrue(cycle.getMessage().contains("field 'extends'") && cycle.getMessage().contains("extends itself"),
                cycle.getMessage());
        Files.writeString(child, "{\"extends\": \"missing.json\"}");
        IOException missing = assertThrows(IOException.class, () -> Recipe.load(child));
        assertTrue(missing.getMessage().contains("child.json: field 'extends': no recipe at"), missing.getMessage());
    }
}
