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
    /**
     * The generated runs carry a learning-rate penalty the Chinchilla law cannot see; the second opinion
     * (here the Gaussian process, which passes the size check) learns it.
     */
    @Test
    void learnWhatTheLawMissesAndReloadExactly(@TempDir Path dir) throws IOException {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(600, 4, 0.001, 5, "alpha"));
        ResidualTrees trees = ResidualTrees.fit(split.train(), split.baseline(), 7);
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
        ResidualTrees trees = ResidualTrees.fit(split.train(), split.baseline(), 7);
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

    /**
     * The size check fits both on the sizes below the largest and measures them there; the process then
     * carries the final loss of its source at its own weight, and a source of one size keeps its trees.
     */
    @Test
    void sizeCheckChoosesBetweenTheProcessAndTheTrees() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(600, 4, 0.001, 5, "alpha"));
        runs.addAll(Fixtures.runs(300, 1, 0.001, 6, "single"));
        FixtureSplit split = FixtureSplit.of(runs);
        ResidualTrees fitted = ResidualTrees.fit(split.train(), split.baseline(), 7);
        assertEquals(List.of("alpha", "single"), List.copyOf(fitted.sources().keySet()));
        assertEquals(List.of("alpha"), List.copyOf(fitted.checks().keySet()), "one size: nothing to hold out");
        List<Run> alpha = split.train().stream().filter(r -> r.source().equals("alpha")).toList();
        double largest = alpha.stream().mapToDouble(r -> dev.ncpl.runs.Scale.of(r).params()).max().orElseThrow();
        ResidualTrees.GpCheck check = fitted.checks().get("alpha");
        assertEquals(largest, check.heldOutParams(), 0.0);
        assertEquals(alpha.stream().filter(r -> dev.ncpl.runs.Scale.of(r).params() == largest).count(), check.heldOutRuns());
        assertEquals(alpha.size() / 5, check.foldRuns());
        assertTrue(check.prefersGp(), "a smooth penalty in log lr, among and beyond the sizes seen: " + check);
        assertTrue(check.gpMae() < check.treesMae() && check.foldGpMae() < check.foldTreesMae(), check.toString());
        assertEquals(List.of("alpha"), List.copyOf(fitted.gps().keySet()));
        assertEquals(List.of("optimizer.lr"), fitted.gps().get("alpha").keys());

        Run run = split.held().stream().filter(r -> r.source().equals("alpha")).findFirst().orElseThrow();
        ChinchillaLaw law = split.baseline().law("alpha");
        SourceGp gp = fitted.gps().get("alpha");
        dev.ncpl.runs.Scale scale = dev.ncpl.runs.Scale.of(run);
        double expected = law.predict(scale.params(), scale.tokens())
                * Math.exp(gp.residual(run, scale, dev.ncpl.text.LrSchedule.of(run)));
        assertEquals(expected, fitted.predict(run, law), 1e-12);
        assertEquals(Math.exp(ResidualTrees.GP_WEIGHT * Math.log(3.0) + (1 - ResidualTrees.GP_WEIGHT) * Math.log(2.0)),
                fitted.combine(run, 2.0, 3.0), 1e-12);
        Run single = split.held().stream().filter(r -> r.source().equals("single")).findFirst().orElseThrow();
        assertEquals(fitted.combine(2.0, 3.0), fitted.combine(single, 2.0, 3.0), 0.0, "trees weigh WEIGHT");

        // a fine-tuning on "single" keeps the parent's process and check for "alpha"
        ResidualTrees child = ResidualTrees.fit(split.train().stream().filter(r -> r.source().equals("single")).toList(),
                split.baseline(), 7).under(fitted, java.util.Set.of("single"));
        assertEquals(fitted.predict(run, law), child.predict(run, law), 0.0);
        assertEquals(check, child.checks().get("alpha"));
    }

    private static Run withLr(Run r, double lr) {
        ObjectNode cfg = r.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("lr", lr);
        return new Run(r.id(), r.source(), r.split(), r.metric(), cfg, r.curve());
    }
}
