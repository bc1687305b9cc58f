package dev.ncpl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Each trainer's schedule, as it logs it, gives the learning rate its trainer computes at every step: the
 * formulas below are the trainers' own (HuggingFace transformers' schedulers, nanochat, Megatron-LM, torchtitan),
 * for a run of 1,000 steps at a peak of 1e-3.
 */
class ScheduleDialectsTest {
    private static final double PEAK = 1e-3;
    private static final int TOTAL = 1000;

    private static LrSchedule schedule(String scheduleJson) throws IOException {
        return schedule(scheduleJson, "");
    }

    private static LrSchedule schedule(String scheduleJson, String extraSections) throws IOException {
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree("{\"optimizer\": {\"lr\": " + PEAK + "}, "
                + "\"data\": {\"batch_tokens\": 1000}, \"schedule\": {\"total_steps\": " + TOTAL
                + (scheduleJson.isEmpty() ? "" : ", " + scheduleJson) + "}" + extraSections + "}");
        return LrSchedule.of(new Run("r", "s", "", "", config, new Curve(new double[0], new double[0])));
    }

    /** The schedule's lr after warmup equals {@code expected} (a function of the step) to 1e-12 at many steps. */
    private static void assertFollows(LrSchedule s, int warmup, DoubleUnaryOperator expected) {
        for (int step = warmup; step < TOTAL; step += 37) {
            assertEquals(expected.applyAsDouble(step), s.lr(step), 1e-12, "step " + step);
        }
        assertTrue(s.lr(warmup / 2.0) < PEAK || warmup == 0, "warming up");
    }

    private static double progress(double step, double from) {
        return (step - from) / (TOTAL - from);
    }

    @Test
    void huggingFaceSchedulers() throws IOException {
        assertFollows(schedule("\"lr_scheduler_type\": \"linear\", \"warmup_steps\": 100"), 100,
                t -> PEAK * (1 - progress(t, 100)));
        assertFollows(schedule("\"lr_scheduler_type\": \"cosine\", \"warmup_ratio\": 0.1"), 100,
                t -> PEAK * 0.5 * (1 + Math.cos(Math.PI * progress(t, 100))));
        assertFollows(schedule("\"lr_scheduler_type\": \"cosine_with_min_lr\", \"warmup_steps\": 100, "
                + "\"lr_scheduler_kwargs\": {\"min_lr_rate\": 0.1}"), 100,
                t -> PEAK * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress(t, 100)))));
        // HuggingFace's "constant" has no warmup, whatever warmup_steps says
        assertFollows(schedule("\"lr_scheduler_type\": \"constant\", \"warmup_steps\": 100"), 0, t -> PEAK);
        assertFollows(schedule("\"lr_scheduler_type\": \"constant_with_warmup\", \"warmup_steps\": 100"), 100,
                t -> PEAK);
        assertFollows(schedule("\"lr_scheduler_type\": \"warmup_stable_decay\", \"warmup_steps\": 100, "
                + "\"lr_scheduler_kwargs\": {\"num_decay_steps\": 200, \"decay_type\": \"1-sqrt\", \"min_lr_ratio\": 0.1}"),
                100, t -> t < 800 ? PEAK : PEAK * (0.1 + 0.9 * (1 - Math.sqrt(progress(t, 800)))));
        assertFollows(schedule("\"lr_scheduler_type\": \"inverse_sqrt\", \"warmup_steps\": 100"), 100,
                t -> PEAK / Math.sqrt(t / 100.0));
        assertFollows(schedule("\"lr_scheduler_type\": \"polynomial\", \"warmup_steps\": 100, \"power\": 2, "
                + "\"lr_end\": 1e-5"), 100, t -> (PEAK - 1e-5) * Math.pow(1 - progress(t, 100), 2) + 1e-5);
        assertFollows(schedule("\"lr_scheduler_type\": \"cosine_with_restarts\", \"warmup_steps\": 100, "
                + "\"num_cycles\": 3"), 100, t -> PEAK * 0.5 * (1 + Math.cos(Math.PI * ((3 * progress(t, 100)) % 1.0))));
    }

    @Test
    void nanochatMegatronAndTorchtitan() throws IOException {
        assertFollows(schedule("\"lr_schedule\": \"warmup_stable_warmdown\", \"warmup_steps\": 0, "
                + "\"warmdown_ratio\": 0.2, \"final_lr_frac\": 0.05"), 0,
                t -> t < 800 ? PEAK : PEAK * (1 - progress(t, 800) * 0.95));
        assertFollows(schedule("\"lr_decay_style\": \"cosine\", \"lr_warmup_fraction\": 0.1, \"min_lr\": 1e-5"), 100,
                t -> 1e-5 + (PEAK - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * progress(t, 100))));
        assertFollows(schedule("\"lr_decay_style\": \"WSD\", \"lr_warmup_iters\": 100, \"lr_wsd_decay_iters\": 300, "
                + "\"lr_wsd_decay_style\": \"minus_sqrt\", \"min_lr\": 0"), 100,
                t -> t < 700 ? PEAK : PEAK * (1 - Math.sqrt(progress(t, 700))));
        assertFollows(schedule("\"lr_decay_style\": \"inverse-square-root\", \"lr_warmup_iters\": 100"), 100,
                t -> PEAK * Math.sqrt(100.0) / Math.sqrt(t));
        assertFollows(schedule("", ", \"lr_scheduler\": {\"warmup_steps\": 100, \"decay_ratio\": 0.5, "
                + "\"decay_type\": \"cosine\", \"min_lr_factor\": 0.1}"), 100,
                t -> t < 500 ? PEAK : PEAK * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress(t, 500)))));
    }

    @Test
    void ncplsOwnKeysReadAsBefore() throws IOException {
        assertFollows(schedule("\"lr_schedule\": \"cosine\", \"warmup_steps\": 100, \"min_lr\": 1e-5, "
                + "\"min_lr_ratio\": 0.5"), 100, t -> 1e-5 + (PEAK - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * progress(t, 100))));
        assertFollows(schedule("\"lr_schedule\": \"wsd\", \"warmup_steps\": 100"), 100,
                t -> t < 800 ? PEAK : PEAK * (1 - progress(t, 800)));
        assertFollows(schedule("\"lr_schedule\": \"constant\", \"warmup_steps\": 100"), 100, t -> PEAK);
    }

    @Test
    void aShapeThatCannotBeKnownNamesTheKeysToAdd() {
        InvalidRunException e = assertThrows(InvalidRunException.class,
                () -> schedule("\"lr_schedule\": \"warmup_stable_warmdown\""));
        assertTrue(e.getMessage().contains("schedule.warmdown_ratio"), e.getMessage());
        e = assertThrows(InvalidRunException.class, () -> schedule("\"lr_scheduler_type\": \"warmup_stable_decay\""));
        assertTrue(e.getMessage().contains("schedule.num_decay_steps"), e.getMessage());
        e = assertThrows(InvalidRunException.class, () -> schedule("\"lr_scheduler_type\": \"cosine_with_min_lr\""));
        assertTrue(e.getMessage().contains("schedule.min_lr"), e.getMessage());
        e = assertThrows(InvalidRunException.class, () -> schedule("\"lr_schedule\": \"one_cycle\""));
        assertTrue(e.getMessage().contains("'one_cycle'") && e.getMessage().contains("field 'schedule.lr_schedule'"),
                e.getMessage());
    }
}
