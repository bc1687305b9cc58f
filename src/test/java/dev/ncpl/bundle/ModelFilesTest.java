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
        assertTrue(e.getMessage().contains("final-trees.json.gz: format version 9 was written by a newer ncpl; this one "
                + "reads final-trees.json.gz up to version 2"), e.getMessage());
        Files.writeString(ModelFile.RESIDUALS.in(dir), "{\"format_version\": \"two\", \"sources\": {}}");
        IOException bad = assertThrows(IOException.class,
                () -> ModelFiles.readIfPresent(dir, ModelFile.RESIDUALS, JsonNode.class));
        assertTrue(bad.getMessage().contains("field 'format_version': not a format version"), bad.getMessage());
    }

    @Test
    void filesWithoutAVersionAreMigratedToWhatTheyWereUsedAs() throws IOException {
        // written before versions were kept, and before these parts were compressed: under the plain name
        Files.writeString(dir.resolve(ModelFile.RESIDUALS.legacyName()), "{\"sources\": {\"a\": {\"keys\": [], \"trees\": {\"x\": 1}}}}");
        ObjectNode trees = ModelFiles.readIfPresent(dir, ModelFile.RESIDUALS, ObjectNode.class);
        assertEquals(0.5, trees.get("weight").asDouble(), "before the weight was kept the two weighed the same");
        assertEquals(0.8, trees.get("gp_weight").asDouble());
        assertEquals(1.0, trees.get("network_fade").asDouble());
        assertTrue(trees.get("ranges").isEmpty() && trees.get("gps").isEmpty());
        JsonNode a = trees.get("sources").get("a");
        assertEquals(1, a.get("members").size());
        assertEquals("SQUARED", a.get("loss").asText());
        assertEquals(ModelFiles.LEGACY_DERIVED.size(), a.get("derived").size());

        Files.writeString(dir.resolve(ModelFile.PREFIX.legacyName()), "{\"laws\": {\"*\": {}}}");
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

    @Test
    void treePartsAreWrittenCompressedAndReplaceTheirPlainFileOfAnEarlierBuild() throws IOException {
        Path legacy = dir.resolve(ModelFile.SHAPE.legacyName());
        Files.writeString(legacy, "{\"format_version\": 2, \"from_final\": null, \"old\": true}");
        assertEquals(legacy, ModelFile.SHAPE.in(dir), "a folder of an earlier build is read under the plain name");
        assertTrue(ModelFiles.readIfPresent(dir, ModelFile.SHAPE, ObjectNode.class).get("old").asBoolean());

        ModelFiles.write(dir, ModelFile.SHAPE, Map.of("from_final", Map.of("clamp_margin", 0.25), "gps", Map.of()));
        Path written = dir.resolve("shape.json.gz");
        byte[] bytes = Files.readAllBytes(written);
        assertTrue((bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b, "gzip's magic bytes");
        assertTrue(!Files.exists(legacy), "the stale plain file is removed");
        assertEquals(written, ModelFile.SHAPE.in(dir));
        ObjectNode read = ModelFiles.readIfPresent(dir, ModelFile.SHAPE, ObjectNode.class);
        assertEquals(0.25, read.at("/from_final/clamp_margin").asDouble());
        assertTrue(!read.has("old"));

        ModelFiles.write(dir, ModelFile.SHAPE, Map.of("from_final", Map.of("clamp_margin", 0.25), "gps", Map.of()));
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(written)), "one value, the same bytes");

        Files.write(written, java.util.Arrays.copyOf(bytes, bytes.length - 9));
        IOException cut = assertThrows(IOException.class,
                () -> ModelFiles.readIfPresent(dir, ModelFile.SHAPE, ObjectNode.class));
        assertTrue(cut.getMessage().startsWith(written + ": not a whole gzip-compressed file"), cut.getMessage());
    }
}
