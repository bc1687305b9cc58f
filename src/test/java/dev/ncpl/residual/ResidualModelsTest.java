package dev.ncpl.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.eval.Metrics;
import dev.ncpl.learn.BoostedTrees;
import dev.ncpl.runs.OptimizerFamily;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.FixtureSplit;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResidualModelsTest {
    /**
     * The generated runs carry a learning-rate penalty the Chinchilla law cannot see; the second opinion
     * (here the Gaussian process, which passes the size check) learns it.
     */
    @Test
    void learnWhatTheLawMissesAndReloadExactly(@TempDir Path dir) throws IOException {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(600, 4, 0.001, 5, "alpha"));
        ResidualModels trees = ResidualModels.fit(split.train(), split.baseline(), 7);
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

        trees.save(dir.resolve(ResidualModels.FILE));
        ResidualModels loaded = ResidualModels.loadIfPresent(dir);
        for (Run r : split.held()) {
            assertEquals(trees.predict(r, law), loaded.predict(r, law), 0.0);
        }
        assertEquals(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight(), loaded.weight(), 0.0);
        // a file from before the weight was kept weighed the trees and the network equally
        var saved = dev.ncpl.util.Json.read(dir.resolve(ResidualModels.FILE),
                com.fasterxml.jackson.databind.node.ObjectNode.class);
        assertEquals(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight(), saved.remove("weight").asDouble(), 0.0);
        assertEquals(2, saved.remove("format_version").asInt(), "files from then had no format version");
        dev.ncpl.util.Json.writePretty(dir.resolve(ResidualModels.FILE), saved);
        ResidualModels before = ResidualModels.loadIfPresent(dir);
        assertEquals(0.5, before.weight(), 0.0);
        assertEquals(Math.sqrt(2.0 * 3.0), before.combine(2.0, 3.0), 1e-12);
        assertNull(ResidualModels.loadIfPresent(dir.resolve("elsewhere")));
    }

    @Test
    void noOpinionOnSmallSourcesOrUnseenOptimizers() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(150, 3, 0.003, 6, "big"));
        runs.addAll(Fixtures.runs(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().minRuns() - 1, 3, 0.003, 7, "small"));
        FixtureSplit split = FixtureSplit.of(runs.stream().map(r -> new Run(r.id(), r.source(), "train", r.metric(),
                r.config(), r.curve())).toList());
        ResidualModels trees = ResidualModels.fit(split.train(), split.baseline(), 7);
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
        ResidualModels fitted = ResidualModels.fit(split.train(), split.baseline(), 7);
        assertEquals(List.of("alpha", "single"), List.copyOf(fitted.sources().keySet()));
        assertEquals(List.of("alpha"), List.copyOf(fitted.checks().keySet()), "one size: nothing to hold out");
        List<Run> alpha = split.train().stream().filter(r -> r.source().equals("alpha")).toList();
        double largest = alpha.stream().mapToDouble(r -> dev.ncpl.runs.Scale.of(r).params()).max().orElseThrow();
        ResidualModels.GpCheck check = fitted.checks().get("alpha");
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
        assertEquals(0.0, fitted.ranges().get("alpha").distance(scale), 0.0, "a held-out run of a size trained on");
        assertEquals(Math.exp(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().gpWeight() * Math.log(3.0) + (1 - dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().gpWeight()) * Math.log(2.0)),
                fitted.combine(run, scale, 2.0, 3.0), 1e-12);
        Run single = split.held().stream().filter(r -> r.source().equals("single")).findFirst().orElseThrow();
        assertEquals(fitted.combine(2.0, 3.0), fitted.combine(single, dev.ncpl.runs.Scale.of(single), 2.0, 3.0), 0.0,
                "trees weigh WEIGHT");

        // a fine-tuning on "single" keeps the parent's process and check for "alpha"
        ResidualModels child = ResidualModels.fit(split.train().stream().filter(r -> r.source().equals("single")).toList(),
                split.baseline(), 7).under(fitted, java.util.Set.of("single"));
        assertEquals(fitted.predict(run, law), child.predict(run, law), 0.0);
        assertEquals(check, child.checks().get("alpha"));
        assertEquals(fitted.ranges().get("alpha"), child.ranges().get("alpha"));
    }

    /**
     * Each source's trees keep the sizes and budgets of its training runs; beyond them the network's share
     * fades by exp(−{@link ResidualModels#NETWORK_FADE} × the ln distance), inside them it is the trees'
     * complement. Files from before the ranges were kept do not fade it.
     */
    @Test
    void networkShareFadesBeyondTheTrainingRange(@TempDir Path dir) throws IOException {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(300, 3, 0.003, 5, "alpha"));
        ResidualModels trees = ResidualModels.fit(split.train(), split.baseline(), 7);
        TrainingRange range = trees.ranges().get("alpha");
        double[] logN = split.train().stream().mapToDouble(r -> Math.log(dev.ncpl.runs.Scale.of(r).params())).toArray();
        assertEquals(java.util.Arrays.stream(logN).max().orElseThrow(), range.logParams()[1], 0.0);
        assertEquals(java.util.Arrays.stream(logN).min().orElseThrow(), range.logParams()[0], 0.0);

        Run run = split.held().get(0);
        dev.ncpl.runs.Scale inside = new dev.ncpl.runs.Scale(Math.exp(range.logParams()[1]), Math.exp(range.logTokens()[1]));
        dev.ncpl.runs.Scale beyond = new dev.ncpl.runs.Scale(inside.params() * Math.E, inside.tokens() * Math.E);
        double full = 1 - dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight();
        assertEquals(full, trees.networkShare(run, inside), 1e-12);
        assertEquals(full * Math.exp(-2 * dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().networkFade()), trees.networkShare(run, beyond), 1e-12,
                "one e-fold beyond in size and one in tokens");
        assertEquals(1.0, trees.networkFade(run, inside), 0.0);
        assertEquals(Math.exp(-2 * dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().networkFade()), trees.networkFade(run, beyond), 1e-12);
        double share = trees.networkShare(run, beyond);
        assertEquals(Math.exp(share * Math.log(2.0) + (1 - share) * Math.log(3.0)), trees.combine(run, beyond, 2.0, 3.0), 1e-12);

        trees.save(dir.resolve(ResidualModels.FILE));
        ResidualModels loaded = ResidualModels.loadIfPresent(dir);
        assertEquals(share, loaded.networkShare(run, beyond), 0.0);
        var saved = dev.ncpl.util.Json.read(dir.resolve(ResidualModels.FILE), ObjectNode.class);
        saved.remove("ranges");
        saved.remove("format_version"); // a file from before the ranges were kept
        dev.ncpl.util.Json.writePretty(dir.resolve(ResidualModels.FILE), saved);
        assertEquals(full, ResidualModels.loadIfPresent(dir).networkShare(run, beyond), 1e-12, "no ranges: no fading");
    }

    /**
     * A source's trees are {@link ResidualModels#BAGS} fits on different seeded subsamples, averaged; the fit
     * repeats exactly under its seed and differs under another.
     */
    @Test
    void baggedFitsAveragedAndSeeded() {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(300, 1, 0.003, 5, "alpha"));
        ResidualModels trees = ResidualModels.fit(split.train(), split.baseline(), 7);
        ResidualModels.SourceTrees alpha = trees.sources().get("alpha");
        assertEquals(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().bags(), alpha.members().size());
        assertEquals(ResidualModels.DERIVED, alpha.derived());
        assertEquals(BoostedTrees.Loss.ABSOLUTE, alpha.loss());
        Run run = split.held().get(0);
        ChinchillaLaw law = split.baseline().law("alpha");
        dev.ncpl.runs.Scale scale = dev.ncpl.runs.Scale.of(run);
        double[] x = alpha.inputs(run, scale, dev.ncpl.text.LrSchedule.of(run));
        double[] each = alpha.members().stream().mapToDouble(m -> m.predict(x)).toArray();
        assertTrue(java.util.Arrays.stream(each).distinct().count() > 1, "each fit saw other runs: " + java.util.Arrays.toString(each));
        double mean = java.util.Arrays.stream(each).average().orElseThrow();
        assertEquals(law.predict(scale.params(), scale.tokens()) * Math.exp(mean), trees.predict(run, law), 1e-12);

        assertEquals(trees.predict(run, law), ResidualModels.fit(split.train(), split.baseline(), 7).predict(run, law), 0.0);
        assertTrue(trees.predict(run, law) != ResidualModels.fit(split.train(), split.baseline(), 8).predict(run, law),
                "another seed draws other subsamples");
    }

    /**
     * Every other tree reads only the scale and schedule inputs and the {@code data.} and {@code schedule.}
     * fields, which the file names under {@code pooled}; none of those trees splits on the optimizer, its
     * settings or its family.
     */
    @Test
    void everyOtherTreePooledOverTheOptimizers() {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(300, 1, 0.003, 5, "alpha"));
        ResidualModels.SourceTrees alpha = ResidualModels.fit(split.train(), split.baseline(), 7).sources().get("alpha");
        List<String> pooled = alpha.pooled();
        assertEquals(ResidualModels.POOLED_DERIVED, pooled.subList(0, ResidualModels.POOLED_DERIVED.size()));
        assertTrue(pooled.stream().skip(ResidualModels.POOLED_DERIVED.size())
                .allMatch(k -> k.startsWith("data.") || k.startsWith("schedule.")), pooled.toString());
        assertTrue(alpha.keys().stream().anyMatch(k -> k.startsWith("optimizer.")), alpha.keys().toString());
        boolean[] marked = alpha.marks(pooled);
        int heldTreesSplitting = 0;
        for (BoostedTrees member : alpha.members()) {
            for (int t = 0; t < member.trees().size(); t += 2) {
                for (int f : member.trees().get(t).feature()) {
                    assertTrue(f < 0 || marked[f], "tree " + t + " splits on input " + f);
                    heldTreesSplitting += f >= 0 ? 1 : 0;
                }
            }
        }
        assertTrue(heldTreesSplitting > 0, "the held trees split on the pooled inputs");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> alpha.marks(List.of("optimizer.name")));
        assertTrue(e.getMessage().contains("optimizer.name"), e.getMessage());
    }

    /** The optimizer's family is an input: 1 for a matrix-based optimizer, 0 for a per-coordinate one. */
    @Test
    void readTheOptimizerFamily() {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(200, 1, 0.003, 5, "alpha"));
        ResidualModels.SourceTrees alpha = ResidualModels.fit(split.train(), split.baseline(), 7).sources().get("alpha");
        int family = ResidualModels.DERIVED.indexOf("matrix_optimizer");
        Run run = split.held().get(0);
        assertEquals(0.0, inputsOf(alpha, run)[family], 0.0, run.text("optimizer.name").orElse("?"));
        ObjectNode cfg = run.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("name", "Muon");
        Run muon = new Run(run.id(), run.source(), run.split(), run.metric(), cfg, run.curve());
        assertEquals(1.0, inputsOf(alpha, muon)[family], 0.0);
        assertTrue(OptimizerFamily.matrixBased("kron") && OptimizerFamily.matrixBased("SOAP"));
        assertTrue(!OptimizerFamily.matrixBased("adamw") && !OptimizerFamily.matrixBased("lion"));
    }

    /** ln(lr × weight decay) and ln(lr × weight decay × D/N) are inputs; a run without weight decay reads the least value. */
    @Test
    void readTheWeightDecayPerStep() {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(200, 1, 0.003, 5, "alpha"));
        ResidualModels.SourceTrees alpha = ResidualModels.fit(split.train(), split.baseline(), 7).sources().get("alpha");
        int perStep = ResidualModels.DERIVED.indexOf("log_lr_wd");
        int perParam = ResidualModels.DERIVED.indexOf("log_lr_wd_tokens_per_param");
        Run run = split.held().get(0);
        double lr = run.number("optimizer.lr").orElseThrow();
        double wd = run.number("optimizer.weight_decay").orElseThrow();
        dev.ncpl.runs.Scale scale = dev.ncpl.runs.Scale.of(run);
        assertEquals(Math.log(lr * wd), inputsOf(alpha, run)[perStep], 1e-12);
        assertEquals(Math.log(lr * wd * scale.tokens() / scale.params()), inputsOf(alpha, run)[perParam], 1e-12);
        ObjectNode cfg = run.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("weight_decay", 0.0);
        Run noDecay = new Run(run.id(), run.source(), run.split(), run.metric(), cfg, run.curve());
        assertEquals(-Double.MAX_VALUE, inputsOf(alpha, noDecay)[perStep], 0.0);
        assertEquals(-Double.MAX_VALUE, inputsOf(alpha, noDecay)[perParam], 0.0);
    }

    /**
     * A file written before the bagging holds one ensemble under {@code trees} and no {@code derived}: it
     * loads as a single member reading the inputs it was fitted on (no optimizer family).
     */
    @Test
    void readFilesFromBeforeTheBagging(@TempDir Path dir) throws IOException {
        FixtureSplit split = FixtureSplit.of(Fixtures.runs(200, 1, 0.003, 5, "alpha"));
        ResidualModels trees = ResidualModels.fit(split.train(), split.baseline(), 7);
        trees.save(dir.resolve(ResidualModels.FILE));
        ObjectNode saved = dev.ncpl.util.Json.read(dir.resolve(ResidualModels.FILE), ObjectNode.class);
        saved.remove("format_version"); // files from then had no format version
        ObjectNode alpha = (ObjectNode) saved.get("sources").get("alpha");
        alpha.remove("derived");
        alpha.remove("loss");
        alpha.remove("pooled");
        alpha.set("trees", alpha.remove("members").get(0));
        dev.ncpl.util.Json.writePretty(dir.resolve(ResidualModels.FILE), saved);

        ResidualModels.SourceTrees legacy = ResidualModels.loadIfPresent(dir).sources().get("alpha");
        ResidualModels.SourceTrees current = trees.sources().get("alpha");
        assertEquals(ResidualModels.LEGACY_DERIVED, legacy.derived());
        assertEquals(BoostedTrees.Loss.SQUARED, legacy.loss(), "files from before the loss was kept were fitted by squared error");
        assertEquals(List.of(), legacy.pooled(), "files from before the pooled trees name none");
        assertEquals(1, legacy.members().size());
        assertEquals(dev.ncpl.util.Json.MAPPER.writeValueAsString(current.members().get(0)),
                dev.ncpl.util.Json.MAPPER.writeValueAsString(legacy.members().get(0)));
        Run run = split.held().get(0);
        double[] now = inputsOf(current, run);
        double[] before = inputsOf(legacy, run);
        // the inputs added since (the optimizer family, the weight-decay inputs) are the ones it lacks
        int added = ResidualModels.DERIVED.size() - ResidualModels.LEGACY_DERIVED.size();
        assertEquals(now.length - added, before.length);
        for (int i = 0, j = 0; i < now.length; i++) {
            if (i >= ResidualModels.DERIVED.size() || ResidualModels.LEGACY_DERIVED.contains(ResidualModels.DERIVED.get(i))) {
                assertEquals(now[i], before[j++], 0.0, "input " + i);
            }
        }

        alpha.remove("trees");
        dev.ncpl.util.Json.writePretty(dir.resolve(ResidualModels.FILE), saved);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> ResidualModels.loadIfPresent(dir));
        assertTrue(String.valueOf(e.getMessage()).contains("no fitted trees"), e.getMessage());
    }

    private static double[] inputsOf(ResidualModels.SourceTrees trees, Run run) {
        return trees.inputs(run, dev.ncpl.runs.Scale.of(run), dev.ncpl.text.LrSchedule.of(run));
    }

    private static Run withLr(Run r, double lr) {
        ObjectNode cfg = r.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("lr", lr);
        return new Run(r.id(), r.source(), r.split(), r.metric(), cfg, r.curve());
    }
}
