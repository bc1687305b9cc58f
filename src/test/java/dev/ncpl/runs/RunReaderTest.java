package dev.ncpl.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReaderTest {
    @TempDir
    Path dir;

    private static final String GOOD = "{\"id\":\"a\",\"source\":\"s\",\"split\":\"train\",\"metric\":\"loss\","
            + "\"config\":{\"model\":{\"non_embedding_params\":1000000},\"data\":{\"tokens_total\":2e9}},"
            + "\"curve\":[[100,4.0],[200,3.5],[300,3.2]]}";

    private Path file(String... lines) throws IOException {
        Path f = dir.resolve("runs.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    private InvalidRunException failure(String... lines) throws IOException {
        Path f = file(lines);
        return assertThrows(InvalidRunException.class, () -> RunReader.readAll(List.of(f)));
    }

    @Test
    void roundTripsGeneratedRuns() throws IOException {
        List<Run> runs = Fixtures.runs(30, 3, 0.01, 1, "fx");
        Path f = dir.resolve("fx.jsonl");
        RunWriter.writeAll(f, runs);
        List<Run> back = RunReader.readAll(List.of(f));
        assertEquals(runs.size(), back.size());
        for (int i = 0; i < runs.size(); i++) {
            assertEquals(runs.get(i).id(), back.get(i).id());
            assertEquals(runs.get(i).curve(), back.get(i).curve());
            assertEquals(runs.get(i).config().toString(), back.get(i).config().toString());
            assertEquals(runs.get(i).split(), back.get(i).split());
        }
    }

    @Test
    void aProblemFoundAfterReadingIsPlacedAtItsRunsLine() throws IOException {
        Path first = file(GOOD);
        Path second = dir.resolve("more.jsonl");
        Files.write(second, List.of(GOOD.replace("\"a\"", "\"b\""), "", GOOD.replace("\"a\"", "\"c\"")));
        InvalidRunException found = new InvalidRunException("c", 0, "optimizer.name", "unknown optimizer 'x'");
        InvalidRunException located = RunReader.located(List.of(first, second), found);
        assertEquals(second.toString(), located.file());
        assertEquals(3, located.line());
        assertEquals(second + ":3: run 'c': field 'optimizer.name': unknown optimizer 'x'", located.getMessage());
        InvalidRunException elsewhere = new InvalidRunException("zz", 0, "optimizer.name", "unknown optimizer 'x'");
        assertEquals(elsewhere, RunReader.located(List.of(first, second), elsewhere));
    }

    @Test
    void streamsLazily() throws IOException {
        // the second line is broken: a stream that reads only the first never sees it
        Path f = file(GOOD, "{broken");
        try (Stream<Run> s = RunReader.stream(f, RunReader.Options.STRICT)) {
            assertEquals("a", s.findFirst().orElseThrow().id());
        }
    }

    @Test
    void malformedJsonNamesFileAndLine() throws IOException {
        InvalidRunException e = failure(GOOD, "{\"id\": \"b\", ");
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("runs.jsonl:2"), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void missingCurveIsNamed() throws IOException {
        InvalidRunException e = failure(GOOD.replace(",\"curve\":[[100,4.0],[200,3.5],[300,3.2]]", ""));
        assertEquals("curve", e.field());
        assertTrue(e.getMessage().contains("missing"));
    }

    @Test
    void nanInfiniteAndNegativeLossesAreRejected() throws IOException {
        assertEquals("curve[1]", failure(GOOD.replace("[200,3.5]", "[200,NaN]")).field());
        assertTrue(failure(GOOD.replace("[200,3.5]", "[200,NaN]")).getMessage().contains("NaN"));
        assertTrue(failure(GOOD.replace("[200,3.5]", "[200,Infinity]")).getMessage().contains("infinite"));
        InvalidRunException neg = failure(GOOD.replace("[300,3.2]", "[300,-3.2]"));
        assertEquals("curve[2]", neg.field());
        assertTrue(neg.getMessage().contains("positive"));
    }

    @Test
    void stepsMustIncrease() throws IOException {
        InvalidRunException e = failure(GOOD.replace("[300,3.2]", "[150,3.2]"));
        assertEquals("curve[2]", e.field());
        assertTrue(e.getMessage().contains("steps must increase"), e.getMessage());
    }

    @Test
    void divergedCurveIsRejected() throws IOException {
        InvalidRunException e = failure(GOOD.replace("[300,3.2]", "[300,9.9]"));
        assertEquals("curve", e.field());
        assertTrue(e.getMessage().contains("diverged"));
    }

    @Test
    void duplicateIdsAcrossFilesAreRejected() throws IOException {
        Path a = file(GOOD);
        Path b = dir.resolve("b.jsonl");
        Files.writeString(b, GOOD.replace("\"split\":\"train\"", "\"split\":\"in_val\"") + "\n");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> RunReader.readAll(List.of(a, b)));
        assertEquals("id", e.field());
        assertTrue(e.getMessage().startsWith(b.toString() + ":1"), e.getMessage());
    }

    @Test
    void missingIdAndConfigAreNamed() throws IOException {
        assertEquals("id", failure(GOOD.replace("\"id\":\"a\",", "")).field());
        assertEquals("config", failure("{\"id\":\"a\",\"source\":\"s\",\"curve\":[[1,2.0]]}").field());
        assertEquals("config", failure("{\"id\":\"a\",\"source\":\"s\",\"config\":3,\"curve\":[[1,2.0]]}").field());
    }

    @Test
    void candidatesNeedNeitherCurveNorId() throws IOException {
        Path f = file("{\"source\":\"s\",\"config\":{\"model\":{\"non_embedding_params\":5}}}");
        try (RunReader r = RunReader.open(f, RunReader.Options.CANDIDATES)) {
            Run run = r.next();
            assertFalse(run.hasCurve());
            assertEquals("runs.jsonl#1", run.id());
            assertFalse(r.hasNext());
        }
    }

    @Test
    void missingFileIsReported() {
        InvalidRunException e = assertThrows(InvalidRunException.class,
                () -> RunReader.readAll(List.of(dir.resolve("nope.jsonl"))));
        assertTrue(e.getMessage().contains("no such file"));
    }

    @Test
    void sharedLogsAreValid() throws IOException {
        Path shared = Fixtures.sharedLogs();
        org.junit.jupiter.api.Assumptions.assumeTrue(shared != null, "../shared/pretraining-logs absent");
        List<Run> runs = RunReader.readAll(List.of(shared.resolve("marin.jsonl"), shared.resolve("steplaw.jsonl"),
                shared.resolve("openlm.jsonl")));
        assertEquals(2134 + 1843 + 104, runs.size());
        for (Run r : runs) {
            Scale.of(r);
        }
    }
}
