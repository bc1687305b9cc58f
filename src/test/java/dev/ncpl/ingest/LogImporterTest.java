package dev.ncpl.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.ingest.LogImporter.Imported;
import dev.ncpl.ingest.LogImporter.Result;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.testing.LogFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each log format imports to the run it was generated from; broken files are named and do not stop the rest. */
class LogImporterTest {
    @TempDir
    Path dir;

    static final Run RUN = Fixtures.runs(5, 3, 0.0, 42, "gen").get(4);

    private static Result importAll(Path... paths) {
        return new LogImporter(new LogImporter.Settings("mine", null, Map.of())).importAll(List.of(paths));
    }

    /** The imported curve is the generated run's (the evaluation loss, not the training loss logged beside it). */
    private static void assertSameCurve(Run imported, double tolerance) {
        assertArrayEquals(RUN.curve().steps(), imported.curve().steps(), imported.id());
        assertArrayEquals(RUN.curve().losses(), imported.curve().losses(), tolerance, imported.id());
        assertEquals("mine", imported.source());
    }

    /** The model size and learning rate survive the mapping, so the predictor can use the run. */
    private static void assertUsableConfig(Run imported) {
        assertEquals(RUN.number("model.n_layers").orElseThrow(), imported.number("model.n_layers").orElseThrow());
        assertEquals(RUN.number("model.d_model").orElseThrow(), imported.number("model.d_model").orElseThrow());
        assertEquals(RUN.number("optimizer.lr").orElseThrow(), imported.number("optimizer.lr").orElseThrow(), 1e-12);
        assertEquals("adamw", imported.text("optimizer.name").orElseThrow());
        assertTrue(Scale.params(imported).isPresent(), imported.config().toString());
        assertTrue(Scale.tokens(imported).isPresent(), imported.config().toString());
    }

    @Test
    void huggingFaceTrainerOutputUsesTheLatestCheckpointAndTheEvalLoss() throws IOException {
        Result r = importAll(LogFixtures.huggingFace(dir.resolve("out"), RUN));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        assertEquals("huggingface", i.format());
        assertEquals("mine/hf-run", i.run().id());
        assertEquals("eval_loss", i.run().metric());
        assertSameCurve(i.run(), 0);
        assertUsableConfig(i.run());
        assertEquals(16 * 4 * 2, i.run().number("data.batch_size").orElseThrow());
        assertEquals(128.0 * 2048, i.run().number("data.batch_tokens").orElseThrow());
        assertEquals("cosine", i.run().text("schedule.lr_schedule").orElseThrow());
        double total = RUN.number("schedule.total_steps").orElseThrow();
        assertEquals(Math.round(0.01 * total), i.run().number("schedule.warmup_steps").orElseThrow());
        // keys ncpl does not know are kept, under extra.
        assertEquals("LlamaForCausalLM", i.run().text("extra.architectures.0").orElseThrow());
    }

    @Test
    void wandbHistoryExportWithItsConfigYaml() throws IOException {
        Result r = importAll(LogFixtures.wandbCsv(dir.resolve("wandb"), RUN));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        assertEquals("csv", i.format());
        assertEquals("eval/loss", i.run().metric());
        assertSameCurve(i.run(), 1e-6);
        assertEquals(RUN.number("model.n_layers").orElseThrow(), i.run().number("model.n_layers").orElseThrow());
        assertEquals("adamw", i.run().text("optimizer.name").orElseThrow());
        assertEquals(128.0 * 2048, i.run().number("data.batch_tokens").orElseThrow());
    }

    @Test
    void lightningMetricsCsvWithHparams() throws IOException {
        Result r = importAll(LogFixtures.lightning(dir.resolve("logs/version_0"), RUN));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        assertEquals("mine/version_0", i.run().id());
        assertEquals("val_loss", i.run().metric());
        assertSameCurve(i.run(), 1e-6);
        assertUsableConfig(i.run());
        assertEquals(List.of(), i.warnings());
    }

    @Test
    void aCurveThatStopsEarlyIsImportedWithAWarning() throws IOException {
        double total = RUN.number("schedule.total_steps").orElseThrow();
        Run half = RUN.withCurve(RUN.curve().prefix(total / 2));
        Result r = importAll(LogFixtures.lightning(dir.resolve("logs/version_0"), half));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        assertEquals(half.curve().lastStep(), i.run().curve().lastStep(), 0.0);
        assertEquals(1, i.warnings().size(), i.warnings().toString());
        assertTrue(i.warnings().get(0).startsWith(String.format(java.util.Locale.ROOT,
                "the curve stops at step %.0f of the schedule's %.0f", half.curve().lastStep(), total)), i.warnings().get(0));
    }

    @Test
    void mlflowFileStoreIsSearchedForRuns() throws IOException {
        Result r = importAll(LogFixtures.mlflow(dir.resolve("mlruns"), RUN));
        assertEquals(List.of(), r.failures());
        assertEquals(1, r.runs().size());
        Imported i = r.runs().get(0);
        assertEquals("mlflow", i.format());
        assertEquals("mine/mlflow-run", i.run().id());
        assertEquals("val_loss", i.run().metric());
        assertSameCurve(i.run(), 1e-12);
        assertUsableConfig(i.run());
    }

    @Test
    void tensorBoardEventFilesOfAFolderAreOneRun() throws IOException {
        Result r = importAll(LogFixtures.tensorBoard(dir.resolve("tb/run1"), RUN));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        assertEquals("tensorboard", i.format());
        assertEquals("eval/loss", i.run().metric());
        assertSameCurve(i.run(), 1e-5); // stored as 32-bit floats
        assertUsableConfig(i.run());
        // the training loss, logged as simple_value in the other file, is there when asked for
        Result train = new LogImporter(new LogImporter.Settings("mine", "train/loss", Map.of()))
                .importAll(List.of(dir.resolve("tb/run1")));
        assertEquals(RUN.curve().finalLoss() + 0.1, train.runs().get(0).run().curve().finalLoss(), 1e-5);
    }

    @Test
    void oneFolderOfEveryFormatImportsFiveRunsWithUniqueIds() throws IOException {
        LogFixtures.huggingFace(dir.resolve("all/hf"), RUN);
        LogFixtures.wandbCsv(dir.resolve("all/wandb"), RUN);
        LogFixtures.lightning(dir.resolve("all/lightning/version_0"), RUN);
        LogFixtures.mlflow(dir.resolve("all/mlruns"), RUN);
        LogFixtures.tensorBoard(dir.resolve("all/tb"), RUN);
        Result r = importAll(dir.resolve("all"));
        assertEquals(List.of(), r.failures());
        assertEquals(5, r.runs().size());
        assertEquals(5, r.runs().stream().map(i -> i.run().id()).distinct().count());
    }

    @Test
    void overridesFillWhatTheLogsLack() throws IOException {
        Path csv = dir.resolve("bare/metrics.csv");
        Files.createDirectories(csv.getParent());
        Files.writeString(csv, "step,loss\n100,4.0\n200,3.5\n300,3.3\n");
        Result plain = importAll(csv);
        assertTrue(plain.runs().get(0).warnings().stream().anyMatch(w -> w.contains("no model size")));
        Result set = new LogImporter(new LogImporter.Settings("mine", null, Map.of("model.non_embedding_params", "1.2e8",
                "data.batch_tokens", "524288", "optimizer.name", "AdamW_torch"))).importAll(List.of(csv));
        Run run = set.runs().get(0).run();
        assertEquals(List.of(), set.runs().get(0).warnings());
        assertEquals(1.2e8, Scale.params(run).orElseThrow());
        assertEquals(300 * 524288.0, Scale.tokens(run).orElseThrow());
        assertEquals("adamw", run.text("optimizer.name").orElseThrow());
    }

    @Test
    void malformedFilesAreNamedAndTheOthersStillImport() throws IOException {
        LogFixtures.lightning(dir.resolve("mixed/good"), RUN);
        // a trainer_state.json cut off mid-file
        Path hf = LogFixtures.huggingFace(dir.resolve("mixed/broken-hf"), RUN);
        Path state;
        try (var s = Files.walk(hf)) {
            state = s.filter(p -> p.getFileName().toString().equals("trainer_state.json")).max(Path::compareTo).orElseThrow();
        }
        String text = Files.readString(state);
        Files.writeString(state, text.substring(0, text.length() / 2));
        // an event file whose last record is corrupt
        Path tb = LogFixtures.tensorBoard(dir.resolve("mixed/broken-tb"), RUN);
        Path events;
        try (var s = Files.list(tb)) {
            events = s.filter(p -> p.getFileName().toString().startsWith("events.out")).sorted().findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(events);
        b[b.length - 6] ^= 0x5a;
        Files.write(events, b);
        // a CSV with a word where a loss should be, and an MLflow metric line without a value
        Path badCsv = dir.resolve("mixed/broken-csv/metrics.csv");
        Files.createDirectories(badCsv.getParent());
        Files.writeString(badCsv, "step,loss\n100,4.0\n200,oops\n");
        Path ml = LogFixtures.mlflow(dir.resolve("mixed/mlruns"), RUN);
        Path metric = ml.resolve("1/0a1b2c3d4e/metrics/val_loss");
        Files.writeString(metric, Files.readString(metric) + "1700000009999\n");
        // a diverged curve
        Path nan = dir.resolve("mixed/nan-csv/metrics.csv");
        Files.createDirectories(nan.getParent());
        Files.writeString(nan, "step,loss\n100,4.0\n200,NaN\n");

        Result r = importAll(dir.resolve("mixed"));
        assertEquals(1, r.runs().size(), r.failures().toString());
        assertEquals("mine/good", r.runs().get(0).run().id());
        assertEquals(5, r.failures().size(), r.failures().toString());
        String all = r.failures().toString();
        assertTrue(all.contains(state.toString()) && all.contains("malformed JSON"), all);
        assertTrue(all.contains(events.toString()) && all.contains("checksum mismatch"), all);
        assertTrue(all.contains(badCsv + ":3") && all.contains("not a number: 'oops'"), all);
        assertTrue(all.contains("val_loss:") && all.contains("expected 'timestamp value step'"), all);
        assertTrue(all.contains(nan.toString()) && all.toLowerCase().contains("nan"), all);
    }

    @Test
    void thePreferredLossIsTheEvaluationLoss() throws IOException {
        assertEquals("eval/loss", LogImporter.chooseMetric(java.util.Set.of("train/loss", "eval/loss", "lr"), null).get());
        assertEquals("loss", LogImporter.chooseMetric(java.util.Set.of("loss", "aux_loss", "grad_norm"), null).get());
        assertTrue(LogImporter.chooseMetric(java.util.Set.of("lr", "accuracy"), null).isEmpty());
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> LogImporter.chooseMetric(java.util.Set.of("loss"), "val_ppl"));
        assertTrue(e.getMessage().contains("val_ppl"));
    }
}
