package dev.ncpl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped models' predictions, intervals and bands, kept as they are: on the example candidates and (where the
 * shared logs are beside the project) on the in_val runs of Marin and Step Law as bare configs, `predict`'s output
 * must equal the golden files in {@code src/test/resources/golden/}: the same lines, ids, keys and array lengths, and
 * every number within {@link #TOLERANCE}. A change that moves a prediction must say so: regenerate them with {@code mvn
 * test -Dtest=GoldenPredictionsTest -Dncpl.golden.write=true} and tell why in the commit.
 */
class GoldenPredictionsTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final boolean WRITE = Boolean.getBoolean("ncpl.golden.write");
    /**
     * How far a printed number may be from its golden value. Predictions are written to six decimals, and the same
     * build rounds the last of them differently on a CPU whose math libraries take other vector paths: up to 2e-6
     * on an AVX-512 Xeon against the AVX2 machine that wrote the files, whatever MKL_CBWR branch was forced. A
     * change of a model or of the code that predicts moves predictions by far more.
     */
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"default", "extrapolation"})
    void exampleCandidates(String model) throws IOException {
        check(model, Path.of("training-configs/examples/candidates.jsonl"), model + "-candidates.jsonl.gz");
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "extrapolation"})
    void sharedInValRunsAsBareConfigs(String model) throws IOException {
        Path shared = Fixtures.sharedLogs();
        assumeTrue(shared != null, "../shared/pretraining-logs is absent");
        List<Run> bare = new ArrayList<>();
        for (Run r : RunReader.readAll(List.of(shared.resolve("marin.jsonl"), shared.resolve("steplaw.jsonl")))) {
            if (r.split().equals("in_val")) {
                bare.add(r.withCurve(new Curve(new double[0], new double[0])));
            }
        }
        Path in = dir.resolve("in_val.jsonl");
        RunWriter.writeAll(in, bare);
        check(model, in, model + "-in_val.jsonl.gz");
    }

    private void check(String model, Path runs, String golden) throws IOException {
        Path out = dir.resolve("predictions.jsonl");
        PrintStream old = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        int code;
        try {
            code = Main.commandLine().execute("predict", "--model", "models/" + model, "--runs", runs.toString(),
                    "--out", out.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        List<String> got = Files.readAllLines(out);
        Path file = GOLDEN.resolve(golden);
        if (WRITE) {
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
                o.write((String.join("\n", got) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        List<String> want;
        try (var in = new GZIPInputStream(Files.newInputStream(file))) {
            want = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertEquals(want.size(), got.size(), golden);
        double[] worst = {0};
        String[] where = {""};
        for (int i = 0; i < want.size(); i++) {
            compare(Json.MAPPER.readTree(want.get(i)), Json.MAPPER.readTree(got.get(i)), golden + " line " + (i + 1),
                    worst, where);
        }
        assertTrue(worst[0] <= TOLERANCE, String.format(Locale.ROOT, "%s differs from the golden value by %.3g",
                where[0], worst[0]));
    }

    /**
     * Walks two JSON trees: the same shape and text, numbers compared by their difference (the worst kept, a
     * non-finite one above all).
     */
    private static void compare(JsonNode want, JsonNode got, String path, double[] worst, String[] where) {
        if (want.isNumber() && got.isNumber()) {
            double d = Math.abs(want.asDouble() - got.asDouble());
            if (!(d <= worst[0]) && !Double.isNaN(worst[0])) {
                worst[0] = d;
                where[0] = path;
            }
            return;
        }
        assertEquals(want.getNodeType(), got.getNodeType(), path);
        assertEquals(want.size(), got.size(), path);
        if (want.isArray()) {
            for (int i = 0; i < want.size(); i++) {
                compare(want.get(i), got.get(i), path + "[" + i + "]", worst, where);
            }
        } else if (want.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = want.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                assertTrue(got.has(f.getKey()), path + ": no " + f.getKey());
                compare(f.getValue(), got.get(f.getKey()), path + "." + f.getKey(), worst, where);
            }
        } else {
            assertEquals(want, got, path);
        }
    }
}
