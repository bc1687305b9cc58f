package dev.ncpl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSerializerTest {
    private static Run sample() {
        return Fixtures.run("x", "alpha", "train", 8, 512, 3e-3, 20, 0, new Random(1));
    }

    @Test
    void linesAreCanonicalAndNumbersArePlaceholders() {
        SerializedConfig c = ConfigSerializer.serialize(sample());
        assertEquals("source: alpha", c.lines().get(0));
        assertEquals("metric: loss", c.lines().get(1));
        assertEquals("model.activation: swiglu", c.lines().get(2));
        int model = c.lines().indexOf("model.n_layers: <num>");
        int opt = c.lines().indexOf("optimizer.lr: <num>");
        int data = c.lines().indexOf("data.seq_len: <num>");
        int sched = c.lines().indexOf("schedule.lr_schedule: cosine");
        assertTrue(model >= 0 && model < opt && opt < data && data < sched, c.lines().toString());
        assertEquals(c.numbers().length, c.numberKeys().size());
        assertEquals(3e-3, c.numbers()[c.numberKeys().indexOf("optimizer.lr")]);
        assertTrue(c.numberKeys().contains("derived.tokens_per_param"));
        // key order in the JSON does not matter
        ObjectNode shuffled = sample().config().deepCopy();
        ObjectNode model2 = (ObjectNode) shuffled.remove("model");
        shuffled.set("model", model2);
        Run r2 = new Run("x", "alpha", "train", "loss", shuffled, new Curve(new double[0], new double[0]));
        assertEquals(c.lines(), ConfigSerializer.serialize(r2).lines());
    }

    @Test
    void extrasAddTheirLinesOnlyWhenAsked() {
        Run run = sample();
        SerializedConfig plain = ConfigSerializer.serialize(run);
        assertFalse(plain.lines().stream().anyMatch(l -> l.startsWith("derived.lr_weight_decay")
                || l.startsWith("derived.optimizer_family")), plain.lines().toString());
        SerializedConfig both = ConfigSerializer.serialize(run, null, EnumSet.allOf(DerivedExtra.class));
        // the standard lines keep their order; the extras come after lr·√batch, before the schedule's lines
        List<String> withoutExtras = new java.util.ArrayList<>(both.lines());
        withoutExtras.removeIf(l -> l.startsWith("derived.lr_weight_decay") || l.startsWith("derived.optimizer_family"));
        assertEquals(plain.lines(), withoutExtras);
        assertEquals(both.lines().indexOf("derived.lr_sqrt_batch: <num>") + 1,
                both.lines().indexOf("derived.lr_weight_decay: <num>"), both.lines().toString());
        assertTrue(both.lines().indexOf("derived.optimizer_family: per_coordinate")
                < both.lines().indexOf("derived.warmup_fraction: <num>"), both.lines().toString());
        double n = run.number("model.non_embedding_params").orElseThrow();
        double d = run.number("data.tokens_total").orElseThrow();
        assertEquals(3e-3 * 0.1, both.numbers()[both.numberKeys().indexOf("derived.lr_weight_decay")], 1e-15);
        assertEquals(3e-3 * 0.1 * d / n,
                both.numbers()[both.numberKeys().indexOf("derived.lr_weight_decay_tokens_per_param")], 1e-12);
        assertTrue(both.lines().contains("derived.optimizer_family: per_coordinate"), both.lines().toString());
        // a matrix-based optimizer, and no decay: the family says so, and there is no lr × wd line
        ObjectNode opt = (ObjectNode) run.config().get("optimizer");
        opt.put("name", "Muon");
        opt.put("weight_decay", 0.0);
        SerializedConfig muon = ConfigSerializer.serialize(run, null, EnumSet.of(DerivedExtra.OPTIMIZER_FAMILY,
                DerivedExtra.LR_WEIGHT_DECAY));
        assertTrue(muon.lines().contains("derived.optimizer_family: matrix"), muon.lines().toString());
        assertFalse(muon.numberKeys().contains("derived.lr_weight_decay"));
        assertEquals(List.of("lr_weight_decay", "optimizer_family"),
                DerivedExtra.ids(DerivedExtra.of(List.of("optimizer_family", "lr_weight_decay"))));
        assertTrue(DerivedExtra.of(null).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DerivedExtra.of(List.of("lr_wd")));
        assertTrue(e.getMessage().contains("'lr_wd'") && e.getMessage().contains("optimizer_family"), e.getMessage());
    }

    @Test
    void unknownKeysAreKeptAndBecomeUnknownTokens(@TempDir Path dir) throws IOException {
        SerializedConfig base = ConfigSerializer.serialize(sample());
        Run odd = sample();
        ((ObjectNode) odd.config().get("optimizer")).put("shiny_new_knob", 0.5);
        ((ObjectNode) odd.config().get("model")).put("attention", "linear attention");
        SerializedConfig c = ConfigSerializer.serialize(odd);
        assertTrue(c.lines().contains("optimizer.shiny_new_knob: <num>"));
        assertTrue(c.lines().contains("model.attention: linear_attention"));
        NumericScaler scaler = NumericScaler.fit(List.of(base));
        try (ConfigTokenizer tok = ConfigTokenizer.build(List.of(base), dir.resolve("tokenizer.json"))) {
            EncodedConfig e = tok.encode(c, scaler);
            EncodedConfig b = tok.encode(base, scaler);
            assertEquals(b.length() + 4, e.length());
            assertTrue(tok.knows("optimizer.lr:"));
            assertTrue(!tok.knows("optimizer.shiny_new_knob:"));
            // a text value or a key never seen is named, as the network reads it as [UNK]
            assertEquals(java.util.Set.of("model.attention", "optimizer.shiny_new_knob"), java.util.Set.copyOf(tok.unseenFields(c)));
            assertEquals(2, tok.unseenFields(c).size());
            assertEquals(List.of(), tok.unseenFields(base));
            Run otherActivation = sample();
            ((ObjectNode) otherActivation.config().get("model")).put("activation", "squared_relu");
            assertEquals(List.of("model.activation"), tok.unseenFields(ConfigSerializer.serialize(otherActivation)));
            int placeholders = 0;
            for (float m : e.numberMask()) {
                placeholders += (int) m;
            }
            assertEquals(c.numbers().length, placeholders);
            // the reloaded tokenizer gives identical ids
            try (ConfigTokenizer again = ConfigTokenizer.load(dir.resolve("tokenizer.json"))) {
                assertEquals(java.util.Arrays.toString(e.ids()), java.util.Arrays.toString(again.encode(c, scaler).ids()));
            }
        }
    }

    @Test
    void cachedLineTokenizationEqualsTokenizingTheWholeText(@TempDir Path dir) throws IOException {
        SerializedConfig base = ConfigSerializer.serialize(sample());
        Run odd = sample();
        ((ObjectNode) odd.config().get("model")).put("attention", "linear attention");
        SerializedConfig c = ConfigSerializer.serialize(odd);
        Path file = dir.resolve("tokenizer.json");
        try (ConfigTokenizer tok = ConfigTokenizer.build(List.of(base), file);
             ai.djl.huggingface.tokenizers.HuggingFaceTokenizer hf = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer
                     .newInstance(file, java.util.Map.of("addSpecialTokens", "false"))) {
            NumericScaler scaler = NumericScaler.fit(List.of(base));
            for (int round = 0; round < 2; round++) { // the second round reads the cache
                long[] whole = hf.encode(c.text(), false, false).getIds();
                long[] ids = tok.encode(c, scaler).ids();
                assertEquals(java.util.Arrays.toString(whole),
                        java.util.Arrays.toString(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
            }
        }
    }

    @Test
    void scalerLogsScaleLikeFieldsAndStandardises() {
        List<SerializedConfig> cs = Fixtures.runs(40, 4, 0, 1, "a").stream().map(ConfigSerializer::serialize).toList();
        NumericScaler s = NumericScaler.fit(cs);
        assertTrue(s.fields().get("optimizer.lr").log());
        assertTrue(!s.fields().get("optimizer.beta1").log());
        double mean = cs.stream().mapToDouble(c -> s.scale("optimizer.lr", c.numbers()[c.numberKeys().indexOf("optimizer.lr")]))
                .average().orElseThrow();
        assertEquals(0, mean, 1e-9);
        assertEquals(NumericScaler.CLIP, s.scaleUnclamped("optimizer.lr", 1e30));
        // beyond the training range the value is held at the largest (smallest) value seen
        double largest = s.scale("optimizer.lr", 1e-2);
        assertEquals(largest, s.scale("optimizer.lr", 1.0), 1e-12);
        assertEquals(s.scale("optimizer.lr", 1e-3), s.scale("optimizer.lr", 1e-9), 1e-12);
        assertTrue(s.scaleUnclamped("optimizer.lr", 1.0) > largest);
        // every training config lies inside the range; one beyond it is named by the field that left it
        cs.forEach(c -> assertEquals(List.of(), s.outsideTrainingRange(c)));
        SerializedConfig first = cs.get(0);
        double[] moved = first.numbers().clone();
        moved[first.numberKeys().indexOf("optimizer.lr")] = 1.0;
        assertEquals(List.of("optimizer.lr"), s.outsideTrainingRange(new SerializedConfig(first.lines(), first.numberKeys(), moved)));
    }

    @Test
    void scheduleShapes() {
        LrSchedule cos = new LrSchedule("cosine", 1.0, 0.1, 10, 110, 0);
        assertEquals(1.0, cos.lr(10), 1e-12);
        assertEquals(0.55, cos.lr(60), 1e-12);
        assertEquals(0.1, cos.lr(110), 1e-12);
        assertEquals(1.0, cos.areaFraction(110), 1e-9);
        LrSchedule wsd = new LrSchedule("wsd", 1.0, 0.0, 0, 100, 20);
        assertEquals(1.0, wsd.lr(79), 1e-12);
        assertEquals(0.5, wsd.lr(90), 1e-12);
        assertEquals(0.9, wsd.meanRelativeLr(), 1e-3);
        assertEquals(0.2, wsd.decayFraction(), 1e-12);
    }

    @Test
    void wsdDecayShapes() {
        // 100 steps, no warmup, decay over the last 40 from 1.0 to 0.01; at step 80 the decay is half done
        LrSchedule exp = new LrSchedule("wsd", 1.0, 0.01, 0, 100, 40, "exponential");
        assertEquals(1.0, exp.lr(60), 1e-12);
        assertEquals(0.1, exp.lr(80), 1e-12);
        assertEquals(0.01, exp.lr(100), 1e-12);
        LrSchedule step = new LrSchedule("wsd", 1.0, 0.01, 0, 100, 40, "step");
        assertEquals(1.0, step.lr(60), 1e-12);
        assertEquals(0.01, step.lr(61), 1e-12);
        assertEquals(0.6 + 0.4 * 0.01, step.meanRelativeLr(), 5e-3);
        LrSchedule cos = new LrSchedule("wsd", 1.0, 0.0, 0, 100, 40, "cosine");
        assertEquals(0.5, cos.lr(80), 1e-12);
        assertEquals(0.4, cos.decayFraction(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule("wsd", 1, 0, 0, 100, 40, "zigzag"));
    }

    @Test
    void aWsdRunReadsItsDecayShapeAndSerializesItsDecayFraction() {
        Run wsd = withSchedule("{\"lr_schedule\": \"wsd\", \"warmup_steps\": 0, \"total_steps\": 1000,"
                + " \"decay_steps\": 250, \"decay_shape\": \"step\", \"min_lr\": 0.0001}");
        LrSchedule s = LrSchedule.of(wsd);
        assertEquals(1e-3, s.lr(750), 1e-15);
        assertEquals(1e-4, s.lr(751), 1e-15);
        SerializedConfig text = ConfigSerializer.serialize(wsd);
        int i = text.numberKeys().indexOf("derived.decay_fraction");
        assertTrue(i >= 0, text.lines().toString());
        assertEquals(0.25, text.numbers()[i], 1e-12);
        Run bad = withSchedule("{\"lr_schedule\": \"wsd\", \"total_steps\": 1000, \"decay_shape\": \"zigzag\"}");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> LrSchedule.of(bad));
        assertTrue(e.getMessage().contains("schedule.decay_shape"), e.getMessage());
        // cosine runs (every shipped model's training runs) get no decay-fraction line
        Run cosine = withSchedule("{\"lr_schedule\": \"cosine\", \"warmup_steps\": 10, \"total_steps\": 1000}");
        assertFalse(ConfigSerializer.serialize(cosine).numberKeys().contains("derived.decay_fraction"));
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return dev.ncpl.util.Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Run withSchedule(String schedule) {
        return RunReader.parse("test", readTree("{\"id\": \"r\", \"source\": \"s\", \"split\": \"train\","
                + " \"metric\": \"loss\", \"config\": {\"model\": {\"non_embedding_params\": 1000000},"
                + " \"optimizer\": {\"name\": \"adamw\", \"lr\": 0.001},"
                + " \"data\": {\"batch_tokens\": 1000, \"tokens_total\": 1000000}, \"schedule\": " + schedule + "},"
                + " \"curve\": [[0, 5.0], [1000, 3.0]]}"));
    }
}
