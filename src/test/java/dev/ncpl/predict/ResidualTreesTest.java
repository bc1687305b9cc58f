package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.eval.Metrics;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResidualTreesTest {
    /** The generated runs carry a learning-rate penalty the Chinchilla law cannot see; the trees learn it. */
    @Test
    void learnWhatTheLawMissesAndReloadExactly(@TempDir Path dir) throws IOException {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(600, 4, 0.001, 5, "alpha"));
        ResidualTrees trees = ResidualTrees.fit(split.train(), split.baseline());
        ChinchillaLaw law = split.baseline().law("alpha");
        double[] truth = split.held().stream().mapToDouble(r -> r.curve().finalLoss()).toArray();
        double[] fromTrees = split.held().stream().mapToDouble(r -> trees.predict(r, law)).toArray();
        double[] fromLaw = split.held().stream().mapToDouble(split.baseline()::predict).toArray();
        double treesMae = Metrics.mae(fromTrees, truth);
        double lawMae = Metrics.mae(fromLaw, truth);
        assertTrue(treesMae < 0.4 * lawMae, "trees " + treesMae + " vs the law alone " + lawMae);

        Run base = split.held().get(0);
        double best = trees.predict(withLr(base, 3e-3), law);
        double far = trees.predict(withLr(base, 1e-2), law);
        double expected = Fixtures.lrPenalty(1e-2) - Fixtures.lrPenalty(3e-3);
        assertEquals(expected, far - best, 0.4 * expected, "the penalty of lr 1e-2 over the optimum");

        trees.save(dir.resolve(ResidualTrees.FILE));
        ResidualTrees loaded = ResidualTrees.loadIfPresent(dir);
        for (Run r : split.held()) {
            assertEquals(trees.predict(r, law), loaded.predict(r, law), 0.0);
        }
        assertEquals(ResidualTrees.WEIGHT, loaded.weight(), 0.0);
        // a file from before the weight was kept weighed the trees and the network equally
        var saved = (com.fasterxml.jackson.databind.node.ObjectNode) dev.ncpl.util.Json.MAPPER.readTree(
                dir.resolve(ResidualTrees.FILE).toFile());
        assertEquals(ResidualTrees.WEIGHT, saved.remove("weight").asDouble(), 0.0);
        dev.ncpl.util.Json.MAPPER.writeValue(dir.resolve(ResidualTrees.FILE).toFile(), saved);
        ResidualTrees before = ResidualTrees.loadIfPresent(dir);
        assertEquals(0.5, before.weight(), 0.0);
        assertEquals(Math.sqrt(2.0 * 3.0), before.combine(2.0, 3.0), 1e-12);
        assertNull(ResidualTrees.loadIfPresent(dir.resolve("elsewhere")));
    }

    @Test
    void noOpinionOnSmallSourcesOrUnseenOptimizers() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(150, 3, 0.003, 6, "big"));
        runs.addAll(Fixtures.runs(ResidualTrees.MIN_RUNS - 1, 3, 0.003, 7, "small"));
        FixtureSplit split = FixtureSplit.of(runs.stream().map(r -> new Run(r.id(), r.source(), "train", r.metric(),
                r.config(), r.curve())).toList());
        ResidualTrees trees = ResidualTrees.fit(split.train(), split.baseline());
        assertEquals(List.of("big"), List.copyOf(trees.sources().keySet()));
        Run small = split.train().stream().filter(r -> r.source().equals("small")).findFirst().orElseThrow();
        assertTrue(Double.isNaN(trees.predict(small, split.baseline().law("small"))));
        Run big = split.train().get(0);
        ChinchillaLaw law = split.baseline().law("big");
        assertTrue(trees.predict(big, law) > 0);
        ObjectNode cfg = big.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("name", "lion");
        assertTrue(Double.isNaN(trees.predict(new Run(big.id(), big.source(), big.split(), big.metric(), cfg,
                big.curve()), law)), "an optimizer the trees never saw");
    }

    private static Run withLr(Run r, double lr) {
        ObjectNode cfg = r.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("lr", lr);
        return new Run(r.id(), r.source(), r.split(), r.metric(), cfg, r.curve());
    }
}
