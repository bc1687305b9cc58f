package dev.ncpl.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The Java API as another JVM program would use it, through nothing but {@code dev.ncpl.api}: the shipped model
 * predicts a config given as YAML, finishes a run in progress, refuses what it cannot predict, and agrees with
 * {@code ncpl predict}.
 */
class PredictorApiTest {
    private static final Path MODEL = Path.of("models/default");
    private static final String CONFIG = """
            source: steplaw
            metric: train/loss (smoothed)
            config:
              model: {arch: transformer, n_layers: 10, d_model: 1280, n_heads: 10, d_ff: 9472, activation: swiglu}
              optimizer: {name: adamw, lr: 0.002, weight_decay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1.0e-08, grad_clip: 1.0}
              data: {seq_len: 2048, batch_size: 256, batch_tokens: 524288, tokens_total: 20000000000}
              schedule: {lr_schedule: cosine, warmup_steps: 2000, total_steps: 38146, min_lr: 1.0e-05}
            """;

    @Test
    void predictsAConfigWithItsIntervalAndBand() throws IOException {
        try (Predictor ncpl = Predictor.load(MODEL)) {
            assertTrue(ncpl.hasIntervals() && ncpl.canConditionOnCurves());
            PredictedRun run = ncpl.predict(List.of(Config.parse(CONFIG, null)), 0.8).get(0);
            assertTrue(run.finalLoss() > 1.5 && run.finalLoss() < 4, "final loss " + run.finalLoss());
            assertTrue(run.finalLossInterval().lo() <= run.finalLoss() && run.finalLoss() <= run.finalLossInterval().hi());
            assertEquals(16, run.steps().length);
            assertEquals(run.steps().length, run.curve().length);
            assertEquals(run.steps().length, run.band().lo().length);
            for (int i = 1; i < run.steps().length; i++) {
                assertTrue(run.steps()[i] > run.steps()[i - 1]);
            }
            PredictedRun wider = ncpl.predict(List.of(Config.parse(CONFIG, null)), 0.95).get(0);
            assertTrue(wider.finalLossInterval().hi() - wider.finalLossInterval().lo()
                    > run.finalLossInterval().hi() - run.finalLossInterval().lo());
            assertEquals(run.finalLoss(), ncpl.finalLosses(List.of(Config.parse(CONFIG, null)))[0], 1e-9);
        }
    }

    @Test
    void finishesARunInProgressKeepingWhatWasObserved() throws IOException {
        try (Predictor ncpl = Predictor.load(MODEL)) {
            Config config = Config.parse(CONFIG, null);
            PredictedRun planned = ncpl.predict(List.of(config), 0.8).get(0);
            double[] steps = Arrays.copyOf(planned.steps(), 5);
            double[] seen = Arrays.stream(Arrays.copyOf(planned.curve(), 5)).map(l -> l + 0.05).toArray();
            PredictedRun finished = ncpl.conditionOn(List.of(config.withCurve(steps, seen)), 0.8).get(0);
            assertArrayEquals(seen, Arrays.copyOf(finished.curve(), 5), 0.0);
            assertTrue(finished.finalLoss() > planned.finalLoss(), "a run above its plan is predicted to end above it");
        }
    }

    @Test
    void refusesAnOptimizerItNeverSawNamingTheField() throws IOException {
        try (Predictor ncpl = Predictor.load(MODEL)) {
            Config odd = Config.parse(CONFIG.replace("name: adamw", "name: shampoo-xl"), null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ncpl.check(odd));
            assertTrue(e.getMessage().contains("optimizer.name"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ncpl.predict(List.of(odd), 0.8));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.parse(CONFIG.replace("lr: 0.002", "lr: -1"), null));
        assertTrue(e.getMessage().contains("optimizer.lr"), e.getMessage());
    }

    @Test
    void agreesWithTheCommandLine() throws IOException {
        List<Config> configs = Config.read(Path.of("training-configs/examples/candidates.jsonl"), null);
        String golden;
        try (var in = new GZIPInputStream(Files.newInputStream(Path.of("src/test/resources/golden/default-candidates.jsonl.gz")))) {
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\"final_loss\":([0-9.]+)").matcher(golden);
        try (Predictor ncpl = Predictor.load(MODEL)) {
            List<PredictedRun> runs = ncpl.predict(configs, 0.8);
            for (PredictedRun run : runs) {
                assertTrue(m.find());
                assertEquals(Double.parseDouble(m.group(1)), run.finalLoss(), 5e-7, run.id());
            }
            assertNotNull(runs.get(0).finalLossInterval());
        }
    }
}
