package dev.ncpl.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model folder's JSON files: written with their version, older ones migrated, newer ones refused. */
class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFileIsWrittenWithItsVersionAndReadWithoutIt() throws IOException {
        ModelFiles.write(dir, ModelFile.BASELINE, Map.of("sources", Map.of()));
        JsonNode written = Json.MAPPER.readTree(ModelFile.BASELINE.in(dir).toFile());
        assertEquals(ModelFile.BASELINE.format(), written.get("format_version").asInt());
        JsonNode read = ModelFiles.readIfPresent(dir, ModelFile.BASELINE, JsonNode.class);
        assertTrue(!read.has("format_version") && read.has("sources"), read.toString());
        assertEquals(null, ModelFiles.readIfPresent(dir.resolve("none"), ModelFile.BASELINE, JsonNode.class));
    }

    @Test
    void aFileFromANewerNcplIsRefusedNamingBothVersions() throws IOException {
        Files.writeString(ModelFile.RESIDUALS.in(dir), "{\"format_version\": 9, \"sources\": {}}");
        IOException e = assertThrows(IOException.class,
                () -> ModelFiles.readIfPresent(dir, ModelFile.RESIDUALS, JsonNode.class));
        assertTrue(e.getMessage().contains("final-trees.json: format version 9 was written by a newer ncpl; this one "
                + "reads final-trees.json up to version 2"), e.getMessage());
        Files.writeString(ModelFile.RESIDUALS.in(dir), "{\"format_version\": \"two\", \"sources\": {}}");
        IOException bad = assertThrows(IOException.class,
                () -> ModelFiles.readIfPresent(dir, ModelFile.RESIDUALS, JsonNode.class));
        assertTrue(bad.getMessage().contains("field 'format_version': not a format version"), bad.getMessage());
    }

    @Test
    void filesWithoutAVersionAreMigratedToWhatTheyWereUsedAs() throws IOException {
        Files.writeString(ModelFile.RESIDUALS.in(dir), "{\"sources\": {\"a\": {\"keys\": [], \"trees\": {\"x\": 1}}}}");
        ObjectNode trees = ModelFiles.readIfPresent(dir, ModelFile.RESIDUALS, ObjectNode.class);
        assertEquals(0.5, trees.get("weight").asDouble(), "before the weight was kept the two weighed the same");
        assertEquals(0.8, trees.get("gp_weight").asDouble());
        assertEquals(1.0, trees.get("network_fade").asDouble());
        assertTrue(trees.get("ranges").isEmpty() && trees.get("gps").isEmpty());
        JsonNode a = trees.get("sources").get("a");
        assertEquals(1, a.get("members").size());
        assertEquals("SQUARED", a.get("loss").asText());
        assertEquals(ModelFiles.LEGACY_DERIVED.size(), a.get("derived").size());

        Files.writeString(ModelFile.PREFIX.in(dir), "{\"laws\": {\"*\": {}}}");
        ObjectNode prefix = ModelFiles.readIfPresent(dir, ModelFile.PREFIX, ObjectNode.class);
        assertEquals(1, prefix.get("members").size());
        assertEquals(0.25, prefix.get("clamp_margin").asDouble());
        assertEquals(0.05, prefix.get("min_cut").asDouble());

        Files.writeString(ModelFile.CONDITIONED_INTERVALS.in(dir),
                "{\"by_observed_fraction\": {\"0.3\": {\"sources\": {\"*\": {\"runs\": 3}}}}}");
        ObjectNode conditioned = ModelFiles.readIfPresent(dir, ModelFile.CONDITIONED_INTERVALS, ObjectNode.class);
        assertEquals(9, conditioned.at("/by_observed_fraction/0.3/sources/*/curve_bin_edges").size(),
                "ten even curve bins");
    }
}
