package dev.ncpl.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidateReaderTest {
    @TempDir
    Path dir;

    private static List<Run> readAll(Path f, String source) throws IOException {
        return readChecked(f, source, run -> { });
    }

    private static List<Run> readChecked(Path f, String source, Consumer<Run> check) throws IOException {
        List<Run> out = new ArrayList<>();
        try (CandidateReader r = CandidateReader.open(f, source).checkedBy(check)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void csvRowsBecomeNestedConfigs() throws IOException {
        Path f = dir.resolve("grid.csv");
        Files.writeString(f, "id,source,optimizer.name,optimizer.lr,data.batch_size,model.qk_norm\n"
                + "a,steplaw,adamw,0.002,256,true\n"
                + ",,lion,3e-4,,false\n");
        List<Run> runs = readAll(f, "marin");
        assertEquals(2, runs.size());
        assertEquals(2, CandidateReader.count(f));
        assertEquals("a", runs.get(0).id());
        assertEquals("steplaw", runs.get(0).source());
        assertEquals(0.002, runs.get(0).number("optimizer.lr").orElseThrow());
        assertEquals(256.0, runs.get(0).number("data.batch_size").orElseThrow());
        assertTrue(runs.get(0).get("model.qk_norm").orElseThrow().asBoolean());
        assertEquals("grid#3", runs.get(1).id());
        assertEquals("marin", runs.get(1).source());
        assertEquals("lion", runs.get(1).text("optimizer.name").orElseThrow());
        assertTrue(runs.get(1).number("data.batch_size").isEmpty());
        assertFalse(runs.get(1).hasCurve());
    }

    @Test
    void csvColumnClashIsNamed() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "optimizer,optimizer.lr\nadamw,0.1\n");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> readAll(f, null));
        assertEquals("optimizer.lr", e.field());
        assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
    }

    @Test
    void yamlBareConfigAndJsonRun() throws IOException {
        Path y = dir.resolve("cand.yaml");
        Files.writeString(y, "model:\n  n_layers: 8\n  d_model: 512\n  d_ff: 2048\n  activation: swiglu\n"
                + "optimizer:\n  name: adamw\n  lr: 0.003\n");
        Run r = readAll(y, "steplaw").get(0);
        assertEquals("cand", r.id());
        assertEquals("steplaw", r.source());
        assertEquals(8 * (4.0 * 512 * 512 + 3.0 * 512 * 2048), Scale.params(r).orElseThrow());
        Path j = dir.resolve("run.json");
        Run fx = Fixtures.runs(1, 1, 0, 1, "alpha").get(0);
        Files.writeString(j, RunWriter.toJson(fx).toPrettyString());
        Run back = readAll(j, null).get(0);
        assertEquals(fx.id(), back.id());
        assertEquals(fx.curve(), back.curve());
    }

    @Test
    void malformedYamlAndUnknownTypeAreReported() throws IOException {
        Path y = dir.resolve("broken.yml");
        Files.writeString(y, "model: [1, 2\n");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> readAll(y, null));
        assertTrue(e.getMessage().contains("malformed document"), e.getMessage());
        Path t = dir.resolve("x.txt");
        Files.writeString(t, "hello");
        assertTrue(assertThrows(InvalidRunException.class, () -> readAll(t, null)).getMessage()
                .contains("unknown file type"));
    }

    @Test
    void jsonlCandidatesTakeTheDefaultSource() throws IOException {
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, "{\"config\":{\"optimizer\":{\"lr\":0.1}}}\n");
        Run r = readAll(f, "marin").get(0);
        assertEquals("marin", r.source());
        assertEquals("c.jsonl#1", r.id());
    }

    /** Reads every candidate of {@code f}, refusing those with optimizer {@code refused} the way a predictor does. */
    private static List<Run> readRefusing(Path f, String refused) throws IOException {
        return readChecked(f, "marin", run -> {
            if (run.text("optimizer.name").orElse("").equals(refused)) {
                throw new InvalidRunException(run.id(), 0, "optimizer.name", "unknown optimizer '" + refused + "'");
            }
        });
    }

    @Test
    void aCheckedCandidateIsRefusedAtItsFileAndLine() throws IOException {
        Path f = dir.resolve("c.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\"config\":{\"optimizer\":{\"name\":\"adamw\"}}}\n\n"
                + "{\"id\":\"b\",\"config\":{\"optimizer\":{\"name\":\"adafactor\"}}}\n");
        assertEquals(2, readRefusing(f, "lion").size());
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> readRefusing(f, "adafactor"));
        // the blank line 2 counts: the refused candidate is on line 3
        assertEquals(f.toString(), e.file());
        assertEquals(3, e.line());
        assertEquals("optimizer.name", e.field());
        assertEquals(f + ":3: run 'b': field 'optimizer.name': unknown optimizer 'adafactor'", e.getMessage());
        assertEquals("b", ((InvalidRunException) e.getCause()).file());

        Path csv = dir.resolve("c.csv");
        Files.writeString(csv, "id,optimizer.name\nx,adamw\ny,adafactor\nz,adamw\n");
        InvalidRunException c = assertThrows(InvalidRunException.class, () -> readRefusing(csv, "adafactor"));
        assertEquals(csv + ":3: run 'y': field 'optimizer.name': unknown optimizer 'adafactor'", c.getMessage());

        Path yaml = dir.resolve("one.yaml");
        Files.writeString(yaml, "optimizer:\n  name: adafactor\n");
        InvalidRunException y = assertThrows(InvalidRunException.class, () -> readRefusing(yaml, "adafactor"));
        assertEquals(yaml + ": run 'one': field 'optimizer.name': unknown optimizer 'adafactor'", y.getMessage());
    }
}
