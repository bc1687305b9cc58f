package dev.ncpl.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.ingest.LogImporter.Imported;
import dev.ncpl.ingest.LogImporter.Result;
import dev.ncpl.runs.Run;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A schedule logged as a learning-rate series comes back as the config keys that reproduce it. */
class ScheduleInferenceTest {
    @TempDir
    Path dir;

    private static final double TOTAL = 24_000;
    private static final double WARMUP = 2_000;

    /** The rates {@code s} gives every 128 steps, as a tool would log them. */
    private static TreeMap<Long, Double> logged(LrSchedule s, long from) {
        TreeMap<Long, Double> lr = new TreeMap<>();
        for (long step = from; step < TOTAL; step += 128) {
            lr.put(step, s.lr(step));
        }
        return lr;
    }

    /** The schedule the inferred keys describe. */
    private static LrSchedule described(Map<String, Object> keys, double warmup) {
        return new LrSchedule((String) keys.get("schedule.lr_schedule"), (Double) keys.get("optimizer.lr"),
                (Double) keys.getOrDefault("schedule.min_lr", 0.0), warmup, TOTAL,
                ((Number) keys.getOrDefault("schedule.decay_steps", 0L)).doubleValue(),
                (String) keys.getOrDefault("schedule.decay_shape", "linear"));
    }

    /** Every logged rate after warmup is reproduced within {@code tolerance} (relative). */
    private static void assertReproduces(LrSchedule truth, Map<String, Object> keys, double warmup, double tolerance) {
        LrSchedule back = described(keys, warmup);
        for (double step = WARMUP; step < TOTAL; step += 64) {
            // the decay's start is known to within one logging interval; skip the interval around it
            if (Math.abs(step - (TOTAL - 4_000)) < 130 || Math.abs(step - (TOTAL - 8_000)) < 130) {
                continue;
            }
            assertEquals(truth.lr(step), back.lr(step), tolerance * truth.lr(step) + 1e-4 * truth.peak(),
                    keys + " at step " + step);
        }
    }

    @Test
    void eachKnownScheduleIsRecognisedFromItsLoggedRates() {
        record Case(LrSchedule truth, String kind, String shape) {}
        List<Case> cases = List.of(
                new Case(new LrSchedule("cosine", 3e-4, 3e-5, WARMUP, TOTAL, 0), "cosine", null),
                new Case(new LrSchedule("linear", 3e-4, 0, WARMUP, TOTAL, 0), "linear", null),
                new Case(new LrSchedule("wsd", 3e-4, 3e-5, WARMUP, TOTAL, 4_000, "exponential"), "wsd", "exponential"),
                new Case(new LrSchedule("wsd", 3e-4, 3e-5, WARMUP, TOTAL, 4_000, "linear"), "wsd", "linear"),
                new Case(new LrSchedule("wsd", 3e-4, 3e-5, WARMUP, TOTAL, 4_000, "cosine"), "wsd", "cosine"),
                new Case(new LrSchedule("wsd", 3e-4, 9e-5, WARMUP, TOTAL, 8_000, "step"), "wsd", "step"));
        for (Case c : cases) {
            // logged from step 0: the warmup is read off the rates
            Map<String, Object> keys = ScheduleInference.infer(logged(c.truth(), 0), TOTAL, null);
            assertEquals(c.kind(), keys.get("schedule.lr_schedule"), keys.toString());
            assertEquals(c.shape(), keys.get("schedule.decay_shape"), keys.toString());
            // the peak as logged: a decay that starts right after warmup is already under way at the first log
            // after it (here 48 of the linear decay's 22,000 steps: 0.2%)
            assertEquals(3e-4, (Double) keys.get("optimizer.lr"), 3e-4 * 0.005);
            assertEquals(WARMUP, ((Number) keys.get("schedule.warmup_steps")).doubleValue(), 128, keys.toString());
            assertReproduces(c.truth(), keys, WARMUP, 0.02);
            // logged only after warmup (as the Multi-Power Law curves are), with the warmup given
            Map<String, Object> late = ScheduleInference.infer(logged(c.truth(), (long) WARMUP + 100), TOTAL, WARMUP);
            assertEquals(c.kind(), late.get("schedule.lr_schedule"), late.toString());
            assertEquals(c.shape(), late.get("schedule.decay_shape"), late.toString());
            assertTrue(!late.containsKey("schedule.warmup_steps"), "a known warmup is not overwritten: " + late);
        }
    }

    @Test
    void aFlatRateIsConstantAndTooFewRatesSayNothing() {
        Map<String, Object> keys = ScheduleInference.infer(logged(new LrSchedule("constant", 1e-3, 0, 0, TOTAL, 0), 0),
                TOTAL, null);
        assertEquals("constant", keys.get("schedule.lr_schedule"));
        assertTrue(ScheduleInference.infer(new TreeMap<>(Map.of(5L, 1e-3)), TOTAL, null).isEmpty());
    }

    @Test
    void theLearningRateSeriesIsFoundByItsUsualNames() {
        assertEquals("lr", ScheduleInference.learningRateSeries(Set.of("loss", "lr", "grad_norm")).orElseThrow());
        assertEquals("train/learning_rate",
                ScheduleInference.learningRateSeries(Set.of("train/loss", "train/learning_rate")).orElseThrow());
        assertEquals("lr-AdamW", ScheduleInference.learningRateSeries(Set.of("val_loss", "lr-AdamW")).orElseThrow());
        assertTrue(ScheduleInference.learningRateSeries(Set.of("loss", "lr_loss", "grad_norm")).isEmpty());
    }

    /** A step,lr,loss CSV (the Multi-Power Law curves' format) imports with its WSD schedule, and --set still wins. */
    @Test
    void aCsvWithALearningRateColumnImportsItsSchedule() throws IOException {
        LrSchedule truth = new LrSchedule("wsd", 3e-4, 3e-5, WARMUP, TOTAL, 4_000, "exponential");
        Path run = Files.createDirectories(dir.resolve("100"));
        StringBuilder csv = new StringBuilder("step,lr,loss\n");
        logged(truth, (long) WARMUP + 100).forEach((step, lr) -> csv.append(String.format(Locale.ROOT,
                "%d,%s,%.4f%n", step, lr, 3.0 + 20.0 / Math.sqrt(step))));
        Files.writeString(run.resolve("wsd_20000_24000.csv"), csv);
        Files.writeString(run.resolve("config.yaml"), "model:\n  non_embedding_params: 100000000\n"
                + "optimizer:\n  name: adamw\ndata:\n  batch_tokens: 524288\n");
        Result r = new LogImporter(new LogImporter.Settings("mpl", null, Map.of("schedule.warmup_steps", "2000")))
                .importAll(List.of(dir));
        assertEquals(List.of(), r.failures());
        Imported i = r.runs().get(0);
        Run imported = i.run();
        assertEquals("loss", imported.metric());
        assertEquals("wsd", imported.text("schedule.lr_schedule").orElseThrow());
        assertEquals("exponential", imported.text("schedule.decay_shape").orElseThrow());
        assertEquals(2000, imported.number("schedule.warmup_steps").orElseThrow());
        assertEquals(3e-4, imported.number("optimizer.lr").orElseThrow(), 1e-12);
        assertTrue(i.warnings().stream().anyMatch(w -> w.contains("inferred from the logged 'lr'")), i.warnings().toString());
        LrSchedule back = LrSchedule.of(imported);
        assertEquals(truth.lr(22_000), back.lr(22_000), 0.03 * truth.lr(22_000));
        assertEquals(truth.lr(10_000), back.lr(10_000), 1e-12);
    }
}
