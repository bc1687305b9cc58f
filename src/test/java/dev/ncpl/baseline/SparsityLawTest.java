package dev.ncpl.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixture of experts' sparsity law: read jointly with a dense source's law, it recovers the density term of runs
 * drawn from it, needs two densities, moves nothing inside the trained densities and, at every expert active,
 * lands on the dense law at the total size.
 */
class SparsityLawTest {
    private static final ChinchillaLaw DENSE = new ChinchillaLaw(1.5, 20, 500, 0.1, 0.3);
    private static final double TOTAL = 2e9;
    private static final double C = 0.05;
    private static final double P = 2.5;

    @TempDir
    Path dir;

    /** A mixture of experts using {@code topK} of 64 experts, its loss the dense law at N_eff = C, P. */
    private static Run moe(String source, String split, int topK, double tokens, String metric) {
        return moe(source, split, topK, tokens, metric, DENSE);
    }

    private static Run moe(String source, String split, int topK, double tokens, String metric, ChinchillaLaw dense) {
        double share = topK / 64.0;
        double x = -Math.log(share);
        double effective = TOTAL * Math.exp(-C * Math.pow(x, P));
        double loss = dense.predict(effective, tokens);
        ObjectNode config = Json.MAPPER.createObjectNode();
        ObjectNode model = config.putObject("model");
        model.put("arch", "moe");
        model.put("experts", 64);
        model.put("experts_per_token", topK);
        model.put("params_active", share * TOTAL);
        model.put("params_total", TOTAL);
        config.putObject("data").put("tokens_total", tokens);
        return new Run(source + "/k" + topK + "-" + (long) tokens, source, split, metric, config,
                new Curve(new double[] {1000}, new double[] {loss}));
    }

    private static List<Run> moeRuns(String source, String metric, int... topKs) {
        return moeRuns(source, metric, DENSE, topKs);
    }

    private static List<Run> moeRuns(String source, String metric, ChinchillaLaw dense, int... topKs) {
        List<Run> out = new ArrayList<>();
        for (int k : topKs) {
            for (double d : new double[] {2e9, 4e9, 8e9, 2e10}) {
                out.add(moe(source, "train", k, d, metric, dense));
            }
        }
        return out;
    }

    @Test
    void recoversTheDensityTermOfRunsDrawnFromIt() {
        SparsityLaw law = SparsityLaw.fit(moeRuns("moe", "m", 2, 4, 8), "dense", DENSE).orElseThrow();
        assertEquals(C, law.c(), 1e-9);
        assertEquals(P, law.p(), 1e-9);
        assertEquals(3, law.densities());
        assertEquals(Math.log(2 / 64.0), law.logShare()[0], 1e-12);
        assertEquals(Math.log(8 / 64.0), law.logShare()[1], 1e-12);
    }

    @Test
    void oneDensityHasNoLaw() {
        assertTrue(SparsityLaw.fit(moeRuns("moe", "m", 4), "dense", DENSE).isEmpty());
    }

    @Test
    void runsBetterThanTheDenseModelOfTheirTotalSizeHaveNoLaw() {
        List<Run> runs = new ArrayList<>();
        for (Run r : moeRuns("moe", "m", 2, 4)) {
            runs.add(r.withCurve(new Curve(new double[] {1000}, new double[] {r.curve().finalLoss() - 1})));
        }
        assertTrue(SparsityLaw.fit(runs, "dense", DENSE).isEmpty());
    }

    @Test
    void movesNothingInsideTheTrainedDensitiesAndReachesTheDenseLawAtEveryExpertActive() {
        SparsityLaw law = SparsityLaw.fit(moeRuns("moe", "m", 2, 4), "dense", DENSE).orElseThrow();
        // the source's own law in active parameters: a steeper size trend than the dense law's
        ChinchillaLaw own = new ChinchillaLaw(1.2, 60, 500, 0.12, 0.3);
        assertEquals(0, law.shift(moe("moe", "in_val", 3, 5e9, "m"), own, DENSE));
        assertEquals(0, law.shift(moe("moe", "in_val", 2, 5e9, "m"), own, DENSE));
        double d = 5e9;
        Run all = moe("moe", "in_val", 64, d, "m");
        double nearestActive = 4 / 64.0 * TOTAL;
        double atAll = own.predict(TOTAL, d) + law.shift(all, own, DENSE);
        // from the nearest trained density the prediction follows the dense law at N_eff, which is N_total here
        double expected = own.predict(nearestActive, d) + DENSE.a() / Math.pow(TOTAL, DENSE.alpha())
                - DENSE.a() / Math.pow(law.effectiveParams(TOTAL, -Math.log(4 / 64.0)), DENSE.alpha());
        assertEquals(expected, atAll, 1e-12);
        assertNotEquals(0, law.shift(all, own, DENSE));
        // sparser than trained: the same swap of trends, the other way
        Run sparser = moe("moe", "in_val", 1, d, "m");
        double atOne = own.predict(TOTAL / 64, d) + law.shift(sparser, own, DENSE);
        double expectedSparser = own.predict(2 / 64.0 * TOTAL, d)
                + DENSE.a() / Math.pow(law.effectiveParams(TOTAL, Math.log(64)), DENSE.alpha())
                - DENSE.a() / Math.pow(law.effectiveParams(TOTAL, Math.log(32)), DENSE.alpha());
        assertEquals(expectedSparser, atOne, 1e-12);
    }

    @Test
    void theBaselineFitsOneForAMixtureWithADenseSourceOfItsMetricAndKeepsItInItsJson() throws Exception {
        List<Run> runs = new ArrayList<>(Fixtures.runs(60, 4, 0.0, 1, "dense").stream()
                .map(r -> new Run(r.id(), r.source(), r.split(), "m", r.config(), r.curve())).toList());
        runs.addAll(moeRuns("moe", "m", Fixtures.TRUE_LAW, 2, 4));
        runs.addAll(moeRuns("other-metric", "n", Fixtures.TRUE_LAW, 2, 4));
        Baseline b = Baseline.fit(runs);
        assertEquals(List.of("moe"), List.copyOf(b.sparsity().keySet()));
        assertEquals("dense", b.sparsity().get("moe").dense());
        Run denser = moe("moe", "in_val", 16, 5e9, "m");
        assertNotEquals(0, b.sparsityShift(denser));
        assertEquals(0, b.sparsityShift(moe("moe", "in_val", 3, 5e9, "m")));
        assertEquals(0, b.sparsityShift(runs.get(0)));

        Path file = dir.resolve("baseline.json");
        b.save(file);
        Baseline back = Baseline.load(file);
        assertEquals(b.sparsityShift(denser), back.sparsityShift(denser), 0);
        // a baseline saved before sparsity laws were kept reads as one without them
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        json.remove("sparsity");
        Files.writeString(file, Json.MAPPER.writeValueAsString(json));
        Baseline old = Baseline.load(file);
        assertEquals(Optional.empty(), Optional.ofNullable(old.sparsity().get("moe")));
        assertEquals(0, old.sparsityShift(denser));
    }
}
