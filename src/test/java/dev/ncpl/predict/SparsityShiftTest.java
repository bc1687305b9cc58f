package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped default model's sparsity law in its predictions: a mixture of experts inside the densities of its
 * source's training runs is predicted as without the law; a denser one moves by the law's shift, its whole curve
 * with it, and its spread widens by half the shift, through the curve path and the final-loss path alike.
 */
class SparsityShiftTest {
    private static final Path MODEL = Path.of("models/default");

    @TempDir
    Path dir;

    /** Step Law's 88-expert configuration with {@code topK} experts a token (a shared expert of 704). */
    private static Run stepLawMoe(int topK) throws IOException {
        ObjectNode config = (ObjectNode) Json.MAPPER.readTree("""
                {"model": {"arch": "moe", "n_layers": 16, "d_model": 1408, "n_heads": 11, "dense_layers": 1,
                           "d_ff": 3904, "experts": 88, "experts_per_token": 2, "expert_d_ff": 352,
                           "params_total": 2150612992, "params_active": 232579072},
                 "optimizer": {"name": "adamw", "lr": 0.000488, "weight_decay": 0.1},
                 "data": {"seq_len": 2048, "batch_size": 128, "batch_tokens": 262144, "tokens_total": 8000000000},
                 "schedule": {"lr_schedule": "cosine", "warmup_steps": 2000, "total_steps": 30517, "min_lr": 1e-05}}
                """);
        ObjectNode model = (ObjectNode) config.get("model");
        model.put("experts_per_token", topK);
        model.put("params_active", 143_368_192L + 44_605_440L + topK * 22_302_720L);
        return new Run("moe-top" + topK, "steplaw-moe", "in_val", "train/loss (smoothed)", config,
                new Curve(new double[0], new double[0]));
    }

    /** A copy of the shipped model whose baseline has no sparsity law. */
    private Path withoutSparsity() throws IOException {
        Path copy = dir.resolve("no-sparsity");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(MODEL)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Baseline saved = Baseline.load(copy.resolve("baseline.json"));
        new Baseline(saved.sources(), saved.pooled(), saved.unresolved()).save(copy.resolve("baseline.json"));
        return copy;
    }

    @Test
    void movesOnlyDenserConfigsByTheLawsShiftAndWidensTheirSpread() throws IOException {
        Run inside = stepLawMoe(2);
        Run denser = stepLawMoe(16);
        List<Run> runs = List.of(inside, denser);
        try (BlendedPredictor with = BlendedPredictor.load(MODEL);
             BlendedPredictor without = BlendedPredictor.load(withoutSparsity())) {
            Baseline baseline = with.model().baseline();
            assertTrue(baseline.sparsity().containsKey("steplaw-moe"), "the shipped model has no sparsity law");
            assertEquals(0, baseline.sparsityShift(inside));
            double shift = baseline.sparsityShift(denser);
            assertTrue(Math.abs(shift) > 1e-4, "shift " + shift);

            List<Prediction> a = with.predict(runs);
            List<Prediction> b = without.predict(runs);
            assertEquals(b.get(0).finalLoss(), a.get(0).finalLoss(), 0);
            assertArrayEquals(b.get(0).losses(), a.get(0).losses(), 0);
            assertEquals(b.get(0).spread(), a.get(0).spread(), 0);

            assertEquals(b.get(1).finalLoss() + shift, a.get(1).finalLoss(), 1e-12);
            for (int j = 0; j < a.get(1).losses().length; j++) {
                assertEquals(b.get(1).losses()[j] + shift, a.get(1).losses()[j], 1e-12);
            }
            assertEquals(Math.hypot(b.get(1).spread(), shift / 2), a.get(1).spread(), 1e-12);
            // the final-loss path (score, tune, bench) agrees with the curve path
            assertArrayEquals(new double[] {a.get(0).finalLoss(), a.get(1).finalLoss()}, with.predictFinal(runs), 1e-9);
        }
    }
}
