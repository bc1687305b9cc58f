package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.baseline.SparsityLaw;
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
 * source's training runs is predicted as without the law; from there to every expert active the prediction falls as
 * the law does, its curve moves with its final loss, and its spread is at least half of what the law moved it, through
 * the curve path and the final-loss path alike.
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
    void denserConfigsFollowTheSparsityLawsTrendAndWidenByWhatItMoved() throws IOException {
        Run inside = stepLawMoe(2);
        Run denser = stepLawMoe(16);
        Run everyExpert = stepLawMoe(88);
        List<Run> runs = List.of(inside, denser, everyExpert);
        try (BlendedPredictor with = BlendedPredictor.load(MODEL);
             BlendedPredictor without = BlendedPredictor.load(withoutSparsity())) {
            Baseline baseline = with.model().baseline();
            SparsityLaw law = baseline.sparsity().get("steplaw-moe");
            assertTrue(law != null, "the shipped model has no sparsity law");
            assertEquals(0, baseline.sparsityShift(inside));

            List<Prediction> a = with.predict(runs);
            List<Prediction> b = without.predict(runs);
            // inside the trained densities nothing moves
            assertEquals(b.get(0).finalLoss(), a.get(0).finalLoss(), 0);
            assertArrayEquals(b.get(0).losses(), a.get(0).losses(), 0);
            assertEquals(b.get(0).spread(), a.get(0).spread(), 0);

            // from the trained top-2 to every expert active the prediction falls as the sparsity law does: the dense
            // law from N_eff at top-2 to the total size (only the network's small share reads the density itself)
            ChinchillaLaw dense = baseline.law(law.dense());
            double total = 2_150_612_992.0;
            double lawTrend = dense.predict(total, 8e9) - dense.predict(law.effectiveParams(total,
                    Math.log(total / 232_579_072.0)), 8e9);
            double withTrend = a.get(2).finalLoss() - a.get(0).finalLoss();
            double withoutTrend = b.get(2).finalLoss() - b.get(0).finalLoss();
            assertEquals(lawTrend, withTrend, 0.02, "with the law: " + withTrend + ", the law's trend " + lawTrend);
            assertTrue(Math.abs(withoutTrend - lawTrend) > 0.1, "without the law: " + withoutTrend);

            for (int i = 1; i < runs.size(); i++) {
                double moved = a.get(i).finalLoss() - b.get(i).finalLoss();
                assertTrue(a.get(i).spread() >= Math.abs(moved) / 2 - 1e-12, "spread " + a.get(i).spread()
                        + " for a prediction moved by " + moved);
                // the curve moves with the final loss (its last point is a step before the end)
                double[] curve = a.get(i).losses();
                double[] before = b.get(i).losses();
                assertEquals(moved, curve[curve.length - 1] - before[before.length - 1], 1e-5);
            }
            assertTrue(a.get(2).spread() > b.get(2).spread());
            // the final-loss path (score, tune, bench) agrees with the curve path
            double[] finals = with.predictFinal(runs);
            for (int i = 0; i < runs.size(); i++) {
                assertEquals(a.get(i).finalLoss(), finals[i], 1e-9);
            }
        }
    }
}
