package dev.ncpl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.model.BatchBuilder;
import dev.ncpl.model.FeatureExtractor;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.NcplNetwork;
import dev.ncpl.model.ResidualScale;
import dev.ncpl.model.RunFeatures;
import dev.ncpl.model.TargetStats;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ConditionedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.text.ConfigSerializer;
import dev.ncpl.text.DerivedExtra;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains a tiny recipe on generated runs: the loss falls, the model reloads exactly, runs are deterministic. */
class PredictorTrainingTest {
    @TempDir
    static Path dir;
    static Path data;
    static Recipe recipe;
    static PredictorTrainer.Result first;

    static Recipe tinyRecipe(int ensemble) {
        return tinyRecipe(ensemble, null);
    }

    static Recipe tinyRecipe(int ensemble, String residualScale) {
        return new Recipe("tiny", "test", "in_val", List.of("alpha", "beta"), 5, ensemble,
                new Recipe.Network(16, 2, 1, 32, 32, 0.1), 32, 4, 0.5, 1.0, 0.0, 50,
                List.of(new Recipe.Stage("all", List.of(), 6, 0.003, 0.5),
                        new Recipe.Stage("targets", List.of("alpha"), 2, 0.001, 0.0)), residualScale);
    }

    /** A one-stage fine-tuning recipe of {@code ensemble} networks, {@code epochs} epochs at {@code lr}. */
    private static Recipe fineTuneRecipe(int ensemble, int epochs, double lr) {
        return new Recipe("ft", "test", "in_val", List.of(), 5, ensemble, recipe.model(), 8, 4, 0.5, 1.0, 0.0, 50,
                List.of(new Recipe.Stage("new", List.of(), epochs, lr, 0.5)), null);
    }

    @BeforeAll
    static void trainOnce() throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(150, 4, 0.003, 11, "alpha"));
        runs.addAll(Fixtures.runs(100, 3, 0.003, 12, "beta"));
        data = dir.resolve("fixtures.jsonl");
        RunWriter.writeAll(data, runs);
        recipe = tinyRecipe(2);
        first = new PredictorTrainer(recipe, Device.cpu(), quiet()).train(List.of(data), dir.resolve("model"));
    }

    static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    @Test
    void lossFallsAndModelFolderIsComplete() {
        List<Double> losses = first.epochLosses();
        assertEquals(16, losses.size());
        assertTrue(losses.get(losses.size() - 1) < 0.8 * losses.get(0), losses.toString());
        for (String f : List.of("model.json", "tokenizer.json", "baseline.json", "member-0.params", "member-1.params",
                "prefix.json.gz", "shape.json.gz", "final-trees.json.gz", "intervals.json", "conditioned-intervals.json")) {
            assertTrue(Files.isRegularFile(dir.resolve("model").resolve(f)), f);
        }
        assertTrue(!Files.exists(dir.resolve("model.staging")));
    }

    @Test
    void reloadedModelPredictsExactlyTheSameNumbers() throws IOException {
        List<Run> val;
        try (var s = RunReader.stream(data, RunReader.Options.STRICT)) {
            // the same runs, in the same order and batches, as the trainer's own validation
            val = s.filter(r -> r.split().equals("in_val")).toList();
        }
        List<Prediction> a;
        List<Prediction> b;
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            a = p.predict(val);
        }
        try (BlendedPredictor p = new BlendedPredictor(NcplModel.load(dir.resolve("model"), Device.cpu()), "ncpl",
                dev.ncpl.curve.CurveShape.loadIfPresent(dir.resolve("model")),
                ResidualModels.loadIfPresent(dir.resolve("model")))) {
            assertTrue(p.shape() != null, "training fits the curve shape and saves it beside the network");
            assertTrue(p.trees() != null, "training fits the residual trees and saves them beside the network");
            b = p.predict(val);
        }
        for (int i = 0; i < val.size(); i++) {
            assertEquals(a.get(i).finalLoss(), b.get(i).finalLoss(), 0.0);
            assertArrayEquals(a.get(i).losses(), b.get(i).losses(), 0.0);
        }
        List<Integer> alpha = new ArrayList<>();
        for (int i = 0; i < val.size(); i++) {
            if (val.get(i).source().equals("alpha")) {
                alpha.add(i);
            }
        }
        double mae = dev.ncpl.eval.Metrics.mae(alpha.stream().mapToDouble(i -> a.get(i).finalLoss()).toArray(),
                alpha.stream().mapToDouble(i -> val.get(i).curve().finalLoss()).toArray());
        // the MAE recorded at training time came from the same saved weights
        assertEquals(first.validationMae().get("alpha"), mae, 0.0);
    }

    @Test
    void aDataTermModelSavesItsUnitPredictsInItAndAFineTuningKeepsIt() throws IOException {
        Path model = dir.resolve("model-data-term");
        PredictorTrainer.Result result = new PredictorTrainer(tinyRecipe(1, "data_term"), Device.cpu(), quiet())
                .train(List.of(data), model);
        List<Double> losses = result.epochLosses();
        assertTrue(losses.get(losses.size() - 1) < 0.8 * losses.get(0), losses.toString());
        // the model card says which unit, beside the loss-unit model trained once for the other tests
        assertTrue(Files.readString(model.resolve("README.md")).contains("| final-loss residual | in units of the Chinchilla"));
        assertTrue(Files.readString(dir.resolve("model").resolve("README.md")).contains("| final-loss residual | in loss units |"));
        // a fine-tuning recipe that names no unit
        Path tuned = fineTuneOnFewAlphaRuns(model, "data-term", 41);
        List<Run> val = alphaValidationRuns();
        try (BlendedPredictor p = BlendedPredictor.load(model); BlendedPredictor child = BlendedPredictor.load(tuned)) {
            assertEquals(ResidualScale.DATA_TERM, p.model().manifest().finalResidualScale());
            // fine-tuned on runs of a source the parent knows: every weight, heads included, started as the parent's
            assertEquals("copied", child.model().manifest().provenance().fineTunedFrom().get("heads").asText());
            // the child's weights start as the parent's, so they keep the unit they were trained in
            assertEquals(ResidualScale.DATA_TERM, child.model().manifest().finalResidualScale());
            RunFeatures f = p.model().features().features(val.get(0));
            assertEquals(ResidualScale.DATA_TERM.unit(f.law(), f.tokens()), f.finalUnit(), 0.0);
            assertTrue(Math.abs(f.finalUnit() - 1) > 0.01, "the fixture's data term differs from loss units");
            // prediction reads the residuals in the unit training fitted them in: it reproduces the trainer's
            // own validation error (a predictor that ignored the unit would not)
            double[] predicted = p.predictFinal(val);
            double mae = dev.ncpl.eval.Metrics.mae(predicted, val.stream().mapToDouble(r -> r.curve().finalLoss()).toArray());
            assertEquals(result.validationMae().get("alpha"), mae, 1e-6);
        }
    }

    @Test
    void aModelWithExtrasReadsThemAndAFineTuningKeepsThem() throws IOException {
        Recipe r = tinyRecipe(1);
        Recipe withExtras = new Recipe(r.name(), r.description(), r.protocol(), r.targetSources(), r.seed(), 1,
                r.model(), r.batchSize(), r.curvePointsPerRun(), r.curveWeight(), r.huberDelta(), r.weightDecay(),
                r.patience(), r.stages(), null, List.of("optimizer_family", "lr_weight_decay"));
        Path model = dir.resolve("model-extras");
        PredictorTrainer.Result result = new PredictorTrainer(withExtras, Device.cpu(), quiet()).train(List.of(data), model);
        JsonNode manifest = Json.MAPPER.readTree(model.resolve("model.json").toFile());
        assertEquals("[\"lr_weight_decay\",\"optimizer_family\"]", manifest.get("derivedExtras").toString());
        String vocabulary = Files.readString(model.resolve("tokenizer.json"));
        assertTrue(vocabulary.contains("\"derived.optimizer_family:\"") && vocabulary.contains("\"per_coordinate\"")
                && vocabulary.contains("\"derived.lr_weight_decay:\""), "the vocabulary holds the extra lines' words");
        assertTrue(Files.readString(model.resolve("README.md"))
                .contains("| derived lines beyond the standard ones | `lr_weight_decay`, `optimizer_family` |"));
        // the plain model trained for the other tests never saw them
        assertFalse(Files.readString(dir.resolve("model").resolve("tokenizer.json")).contains("derived.optimizer_family"));
        // a fine-tuning recipe that names no extras
        Path tuned = fineTuneOnFewAlphaRuns(model, "extras", 43);
        List<Run> val = alphaValidationRuns();
        try (BlendedPredictor p = BlendedPredictor.load(model); BlendedPredictor child = BlendedPredictor.load(tuned)) {
            assertEquals(EnumSet.allOf(DerivedExtra.class), child.model().manifest().extras(),
                    "a fine-tuning reads the text its parent's weights were trained on");
            EncodedConfig read = p.model().features().features(val.get(0)).encoded();
            EncodedConfig withExtrasText = p.model().tokenizer().encode(ConfigSerializer.serialize(val.get(0), null,
                    EnumSet.allOf(DerivedExtra.class)), p.model().manifest().scaler());
            assertArrayEquals(withExtrasText.ids(), read.ids(), "prediction serializes with the model's extras");
            assertArrayEquals(withExtrasText.numbers(), read.numbers());
            // and it reproduces the trainer's own validation error, as a model without extras does
            double mae = dev.ncpl.eval.Metrics.mae(p.predictFinal(val),
                    val.stream().mapToDouble(x -> x.curve().finalLoss()).toArray());
            assertEquals(result.validationMae().get("alpha"), mae, 1e-6);
        }
    }

    /** Fine-tunes {@code parent} on 20 generated alpha runs (seed {@code seed}) with a recipe naming no unit or extras. */
    private static Path fineTuneOnFewAlphaRuns(Path parent, String name, long seed) throws IOException {
        Path few = dir.resolve("alpha-few-" + name + ".jsonl");
        RunWriter.writeAll(few, Fixtures.runs(20, 4, 0.003, seed, "alpha"));
        Recipe plain = fineTuneRecipe(1, 2, 0.001);
        Path tuned = dir.resolve("tuned-" + name);
        new PredictorTrainer(plain, Device.cpu(), quiet()).fineTuneFrom(parent).train(List.of(few), tuned);
        return tuned;
    }

    private static List<Run> alphaValidationRuns() throws IOException {
        try (var s = RunReader.stream(data, RunReader.Options.STRICT)) {
            return s.filter(r -> r.split().equals("in_val") && r.source().equals("alpha")).toList();
        }
    }

    @Test
    void aBatchOfMixedLengthsPredictsWhatEachConfigDoesAlone() throws IOException {
        // 200 configs, every third one longer by an extra key: the batch is run as two groups of equal length
        List<Run> mixed = new ArrayList<>();
        List<Run> base = Fixtures.runs(200, 4, 0.003, 21, "alpha");
        for (int i = 0; i < base.size(); i++) {
            Run r = base.get(i);
            if (i % 3 == 0) {
                com.fasterxml.jackson.databind.node.ObjectNode cfg = r.config().deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) cfg.get("optimizer")).put("eps", 1e-8);
                r = new Run(r.id(), r.source(), r.split(), r.metric(), cfg, r.curve());
            }
            mixed.add(r);
        }
        try (BlendedPredictor shaped = BlendedPredictor.load(dir.resolve("model"))) {
            // the network alone: equal up to floating-point rounding
            BlendedPredictor p = new BlendedPredictor(shaped.model(), "network");
            List<Prediction> together = p.predict(mixed);
            List<Prediction> shapedTogether = shaped.predict(mixed);
            for (int i = 0; i < mixed.size(); i += 7) {
                Prediction alone = p.predict(List.of(mixed.get(i))).get(0);
                assertEquals(alone.finalLoss(), together.get(i).finalLoss(), 1e-5, mixed.get(i).id());
                assertArrayEquals(alone.losses(), together.get(i).losses(), 1e-5);
                // with the curve shape: its trees can turn a rounding-sized change of the final loss they read
                // into a step of a leaf or two (a log-shift of about 1e-5 was seen), so equal to a relative 1e-4
                double[] shapedAlone = shaped.predict(List.of(mixed.get(i))).get(0).losses();
                for (int j = 0; j < shapedAlone.length; j++) {
                    assertEquals(shapedAlone[j], shapedTogether.get(i).losses()[j], 1e-4 * shapedAlone[j]);
                }
            }
        }
    }

    /**
     * The final loss is the weighted geometric mean of the network's and the residual trees' (the trees two
     * thirds) where the source has
     * trees (alpha: 120 training runs), the network's alone where it has none (beta: 80, under
     * {@link ResidualModels#MIN_RUNS}), in the full prediction and in the final-only fast path; the spread
     * the intervals scale with takes in half the gap between the two.
     */
    @Test
    void finalLossAveragesTheNetworkAndTheResidualTrees() throws IOException {
        List<Run> val;
        try (var s = RunReader.stream(data, RunReader.Options.STRICT)) {
            val = s.filter(r -> r.split().equals("in_val")).toList();
        }
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            assertEquals(List.of("alpha"), List.copyOf(p.trees().sources().keySet()));
            List<Prediction> both = p.predict(val);
            double[] network = p.networkOnly().predictFinal(val);
            double[] finals = p.predictFinal(val);
            double[] memberSpread = p.networkOnly().finals(p.prepare(val)).spread();
            double[] spread = p.finals(p.prepare(val)).spread();
            int averaged = 0;
            for (int i = 0; i < val.size(); i++) {
                Run r = val.get(i);
                double trees = p.trees().predict(r, p.model().baseline().law(r.source()));
                double expected = r.source().equals("alpha")
                        ? Math.pow(network[i], 1 - dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight()) * Math.pow(trees, dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight())
                        : network[i];
                assertEquals(r.source().equals("alpha"), !Double.isNaN(trees), r.id());
                assertEquals(expected, both.get(i).finalLoss(), 1e-9 * expected, r.id());
                assertEquals(both.get(i).finalLoss(), finals[i], 1e-5 * expected, r.id());
                double expectedSpread = r.source().equals("alpha")
                        ? Math.hypot(memberSpread[i], (network[i] - trees) / 2) : memberSpread[i];
                assertEquals(expectedSpread, spread[i], 1e-5 * expected, "members' and trees' disagreement");
                if (r.source().equals("alpha") && Math.abs(trees - network[i]) > 1e-4) {
                    averaged++;
                }
            }
            assertTrue(averaged > 10, "the trees moved " + averaged + " alpha finals");

            // beyond the source's training budgets the network's share and its gap to the trees fade alike
            Run inside = val.stream().filter(r -> r.source().equals("alpha")).findFirst().orElseThrow();
            com.fasterxml.jackson.databind.node.ObjectNode config = inside.config().deepCopy();
            double tokens = Math.exp(p.trees().ranges().get("alpha").logTokens()[1] + 1);
            ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("data")).put("tokens_total", tokens);
            Run beyond = new Run(inside.id() + "-more", inside.source(), inside.split(), inside.metric(), config, inside.curve());
            dev.ncpl.runs.Scale scale = dev.ncpl.runs.Scale.of(beyond);
            double fade = p.trees().networkFade(beyond, scale);
            assertEquals(Math.exp(-dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().networkFade()), fade, 1e-9, "one e-fold beyond the training budgets");
            double net = p.networkOnly().predictFinal(List.of(beyond))[0];
            double ms = p.networkOnly().finals(p.prepare(List.of(beyond))).spread()[0];
            double trees = p.trees().predict(beyond, p.model().baseline().law("alpha"));
            double share = (1 - dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().treeWeight()) * fade;
            double expected = Math.pow(net, share) * Math.pow(trees, 1 - share);
            BlendedPredictor.Finals f = p.finals(p.prepare(List.of(beyond)));
            assertEquals(expected, f.mean()[0], 1e-5 * expected);
            assertEquals(Math.hypot(ms, (net - trees) / 2 * fade), f.spread()[0], 1e-5 * expected);
            assertTrue(Math.abs(net - trees) / 2 * (1 - fade) > 1e-4, "the fade must show: " + net + " vs " + trees);

            // a source the baseline never saw: the pooled law, and a quarter of the network's residual over it
            Run elsewhere = new Run(inside.id() + "-elsewhere", "gamma", inside.split(), inside.metric(), inside.config(),
                    inside.curve());
            dev.ncpl.model.RunFeatures g = p.prepare(List.of(elsewhere)).features().get(0);
            assertEquals(p.model().baseline().pooled().law(), g.law());
            float[][][] res = p.model().residuals(List.of(g.encoded()), null);
            double raw = 0;
            for (float[][] member : res) {
                raw += member[0][0] / res.length;
            }
            double expectedElsewhere = g.finalLoss(dev.ncpl.settings.PosthocSettings.DEFAULTS.blend().newSourceShare() * raw);
            assertEquals(expectedElsewhere, p.predictFinal(List.of(elsewhere))[0], 1e-9 * expectedElsewhere);
            assertEquals(expectedElsewhere, p.predict(List.of(elsewhere)).get(0).finalLoss(), 1e-5 * expectedElsewhere);
            assertTrue(Math.abs(g.finalLoss(raw) - expectedElsewhere) > 1e-4, "the share must show: residual " + raw);
        }
    }

    /**
     * Same seed, same weights, byte for byte, also when a step's gradient comes out non-finite (on CPU that happens
     * now and then with no cause in the data): the step is tried again with the same batch and dropout, and the
     * model is the one a training without the event makes. Rarely, the same fault changes a value without making
     * it non-finite, and a training drifts with no sign of it (docs/experiments.md, *Determinism*), so a pair is
     * tried up to three times; without the retry, no pair can agree.
     */
    @Test
    void sameSeedGivesTheSameModel() throws IOException {
        Recipe one = tinyRecipe(1);
        List<String> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            Path clean = dir.resolve("clean-" + attempt);
            Path failed = dir.resolve("failed-" + attempt);
            PredictorTrainer.Result a = new PredictorTrainer(one, Device.cpu(), quiet()).train(List.of(data), clean);
            PredictorTrainer failing = new PredictorTrainer(one, Device.cpu(), quiet());
            failing.failStepOnce(7);
            PredictorTrainer.Result b = failing.train(List.of(data), failed);
            assertEquals(0, a.skippedSteps() + b.skippedSteps());
            assertTrue(dev.ncpl.util.Json.MAPPER.readTree(failed.resolve("model.json").toFile()).path("provenance")
                    .path("retried_non_finite_steps").asInt() >= 1);
            String x = dev.ncpl.util.Hashing.sha256(clean.resolve("member-0.params"));
            String y = dev.ncpl.util.Hashing.sha256(failed.resolve("member-0.params"));
            if (x.equals(y)) {
                return;
            }
            seen.add(x.substring(0, 12) + " vs " + y.substring(0, 12));
        }
        throw new AssertionError("a retried step did not give what a training without the event gives: " + seen);
    }

    @Test
    void interruptedTrainingResumesFromItsCheckpoint() throws IOException {
        Recipe one = tinyRecipe(1);
        Path out = dir.resolve("resumed");
        PredictorTrainer broken = new PredictorTrainer(one, Device.cpu(), quiet());
        broken.interruptAfterEpochs(3);
        assertThrows(IllegalStateException.class, () -> broken.train(List.of(data), out));
        assertTrue(Files.isRegularFile(dir.resolve("resumed.staging/state.json")));
        assertTrue(!Files.exists(out));
        PredictorTrainer.Result r = new PredictorTrainer(one, Device.cpu(), quiet()).train(List.of(data), out);
        assertTrue(r.resumed());
        // 6 + 2 epochs in all, 3 done before the interruption
        assertEquals(5, r.epochLosses().size());
        try (BlendedPredictor p = BlendedPredictor.load(out)) {
            assertTrue(Double.isFinite(p.predict(List.of(Fixtures.runs(1, 1, 0, 3, "alpha").get(0))).get(0).finalLoss()));
        }
    }

    @Test
    void bareConfigsGetEvenlySpacedCurves() throws IOException {
        Run run = Fixtures.runs(1, 1, 0, 3, "alpha").get(0);
        Run bare = new Run("bare", "alpha", "", "loss", run.config(), new Curve(new double[0], new double[0]));
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            Prediction pr = p.predict(List.of(bare)).get(0);
            assertEquals(16, pr.steps().length);
            assertEquals(run.number("schedule.total_steps").orElseThrow() - 1, pr.steps()[15]);
            assertEquals(pr.finalLoss(), pr.losses()[15], 0.05);
            assertEquals(run.curve().finalLoss(), pr.finalLoss(), 0.3);
        }
    }

    /**
     * A source that is not a target stops no training, but its held-out runs still calibrate intervals of its own,
     * as `ncpl calibrate` would: a model on many sources is not left with pooled intervals for most of them.
     */
    @Test
    void everySourcesHeldOutRunsCalibrateTheIntervals() throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(120, 3, 0.003, 31, "alpha"));
        runs.addAll(Fixtures.runs(150, 3, 0.003, 32, "beta"));
        Path file = dir.resolve("two-sources.jsonl");
        RunWriter.writeAll(file, runs);
        long betaHeldOut = runs.stream().filter(r -> r.source().equals("beta") && r.split().equals("in_val")).count();
        assertTrue(betaHeldOut >= dev.ncpl.settings.PosthocSettings.DEFAULTS.intervals().minRuns(),
                betaHeldOut + " held-out beta runs");
        Recipe alphaOnly = new Recipe("tiny", "test", "in_val", List.of("alpha"), 5, 1, recipe.model(), 32, 4, 0.5,
                1.0, 0.0, 50, List.of(new Recipe.Stage("all", List.of(), 2, 0.003, 0.5)), null);
        Path out = dir.resolve("alpha-target");
        new PredictorTrainer(alphaOnly, Device.cpu(), quiet()).train(List.of(file), out);
        PredictionIntervals iv = PredictionIntervals.load(out.resolve(PredictionIntervals.FILE));
        assertTrue(iv.sources().containsKey("alpha") && iv.sources().containsKey("beta"),
                iv.sources().keySet().toString());
    }

    @Test
    void predictionsCarryCalibratedIntervals() throws IOException {
        List<Run> val;
        try (var s = RunReader.stream(data, RunReader.Options.STRICT)) {
            val = s.filter(r -> r.split().equals("in_val")).toList();
        }
        PredictionIntervals iv = PredictionIntervals.load(dir.resolve("model").resolve(PredictionIntervals.FILE));
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            List<Prediction> preds = p.predict(val);
            int covered = 0;
            for (int i = 0; i < val.size(); i++) {
                assertTrue(preds.get(i).spread() > 0, "two members disagree somewhat");
                PredictionIntervals.Interval in = iv.finalInterval(val.get(i), preds.get(i), 0.8);
                assertTrue(in.lo() < in.hi());
                covered += in.contains(val.get(i).curve().finalLoss()) ? 1 : 0;
            }
            // calibrated on these very runs: in-sample coverage is the nominal 80% up to ties
            double share = (double) covered / val.size();
            assertTrue(share >= 0.7 && share <= 0.9, "covered " + share);
        }
    }

    /** A team's own logs have no split: runs whose split is null or absent are fine-tuned on, a fifth held out. */
    @Test
    void fineTuningTakesRunsWithoutASplit() throws IOException {
        List<String> lines = new ArrayList<>();
        int i = 0;
        for (Run r : Fixtures.runs(30, 3, 0.003, 41, "delta")) {
            ObjectNode doc = dev.ncpl.runs.RunWriter.toJson(r);
            if (i++ % 2 == 0) {
                doc.putNull("split");
            } else {
                doc.remove("split");
            }
            lines.add(dev.ncpl.util.Json.MAPPER.writeValueAsString(doc));
        }
        Path mine = dir.resolve("no-split.jsonl");
        Files.write(mine, lines);
        Recipe fineTune = fineTuneRecipe(1, 2, 0.001);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PredictorTrainer.Result r = new PredictorTrainer(fineTune, Device.cpu(), new PrintStream(log))
                .fineTuneFrom(dir.resolve("model")).train(List.of(mine), dir.resolve("no-split"));
        assertTrue(log.toString().contains("source 'delta' has no in_val runs: holding out 6 of its 30 runs"),
                log.toString());
        assertEquals(java.util.Set.of("delta"), r.validationMae().keySet());
        assertEquals(24, dev.ncpl.util.Json.MAPPER.readTree(dir.resolve("no-split/model.json").toFile())
                .path("provenance").path("training_runs").asInt());
    }

    /**
     * A sweep that did not publish its learning rate, optimizer or schedule (as Gemstones and datablations) is
     * learnt from as it is; a config of it to predict needs only what its runs gave, one of another source still
     * needs what that source's runs gave.
     */
    @Test
    void runsWithoutLearningRateOptimizerOrScheduleAreLearntFrom() throws IOException {
        List<Run> stones = new ArrayList<>();
        int i = 0;
        for (Run r : Fixtures.runs(30, 3, 0.003, 43, "stones")) {
            ObjectNode cfg = r.config().deepCopy();
            ObjectNode opt = (ObjectNode) cfg.get("optimizer");
            opt.remove(List.of("lr", "name"));
            opt.put("lr_scale", i % 2 == 0 ? 1.0 : 0.5);
            if (i++ % 3 == 0) {
                ((ObjectNode) cfg.get("schedule")).remove(List.of("lr_schedule", "min_lr_ratio"));
            }
            stones.add(new Run(r.id(), "stones", null, "loss", cfg, r.curve()));
        }
        Path file = dir.resolve("stones.jsonl");
        RunWriter.writeAll(file, stones);
        Recipe fineTune = fineTuneRecipe(1, 2, 0.001);
        Path tuned = dir.resolve("stones-model");
        new PredictorTrainer(fineTune, Device.cpu(), quiet()).fineTuneFrom(dir.resolve("model")).train(List.of(file), tuned);
        try (BlendedPredictor p = BlendedPredictor.load(tuned)) {
            var required = p.model().manifest().required();
            assertEquals(List.of(), required.of("stones"), "no run of stones gave a learning rate, optimizer or schedule");
            assertEquals(List.of("optimizer.lr", "optimizer.name", "schedule.lr_schedule"), required.of("alpha"));
            // the schedule-less run says nothing of its schedule: no schedule line is serialized for it
            Run noSchedule = stones.get(0);
            assertTrue(ConfigSerializer.serialize(noSchedule, null, java.util.Set.of()).lines().stream()
                    .noneMatch(l -> l.startsWith("derived.final_lr_ratio") || l.startsWith("derived.mean_lr_ratio")));
            assertFalse(dev.ncpl.text.LrSchedule.of(noSchedule).absolutePeak());
            Prediction predicted = p.predict(List.of(noSchedule)).get(0);
            assertEquals(noSchedule.curve().finalLoss(), predicted.finalLoss(), 0.3);
            ObjectNode alphaCfg = Fixtures.runs(1, 1, 0, 3, "alpha").get(0).config().deepCopy();
            ((ObjectNode) alphaCfg.get("optimizer")).remove("lr");
            Run alphaWithoutLr = new Run("a", "alpha", null, "loss", alphaCfg, null);
            InvalidRunException e = assertThrows(InvalidRunException.class, () -> p.checkPredictable(alphaWithoutLr));
            assertEquals("optimizer.lr", e.field());
            assertTrue(e.getMessage().contains("source 'alpha'"), e.getMessage());
            assertFalse(p.canPredict(alphaWithoutLr), "what checkPredictable refuses cannot be predicted");
            assertTrue(p.canPredict(noSchedule), "a run of stones gives all its source gave");
        }
    }

    /**
     * The recipe's posthoc section shapes the models beside the network and the blend, and model.json records it:
     * a source of 24 runs gets trees at min_runs 10 (none at the default 100), the trees weigh what the recipe says,
     * and a source the model never saw keeps none of the network's residual at new_source_share 0.
     */
    @Test
    void posthocSettingsComeFromTheRecipeAndAreRecordedInTheModel() throws IOException {
        Path recipeFile = dir.resolve("posthoc-recipe.json");
        ObjectNode tree = Json.MAPPER.valueToTree(fineTuneRecipe(1, 1, 0.001));
        tree.remove("posthoc");
        tree.set("posthoc", Json.MAPPER.readTree("{\"residual\": {\"min_runs\": 10, \"tree_weight\": 0.5},"
                + " \"blend\": {\"new_source_share\": 0.0}}"));
        Files.writeString(recipeFile, Json.MAPPER.writeValueAsString(tree));
        Recipe withPosthoc = Recipe.load(recipeFile);
        var settings = withPosthoc.posthocSettings();
        assertEquals(0.5, settings.residual().treeWeight());
        assertEquals(10, settings.residual().minRuns());
        assertEquals(dev.ncpl.settings.PosthocSettings.DEFAULTS.residual().bags(), settings.residual().bags(),
                "a field the section does not give keeps its default");

        Path file = dir.resolve("epsilon.jsonl");
        RunWriter.writeAll(file, Fixtures.runs(30, 3, 0.003, 47, "epsilon").stream()
                .map(r -> new Run(r.id(), r.source(), null, r.metric(), r.config(), r.curve())).toList());
        Path tuned = dir.resolve("posthoc-model");
        new PredictorTrainer(withPosthoc, Device.cpu(), quiet()).fineTuneFrom(dir.resolve("model"))
                .train(List.of(file), tuned);
        try (BlendedPredictor p = BlendedPredictor.load(tuned)) {
            assertEquals(settings, p.model().manifest().posthocSettings(), "model.json records the settings");
            assertTrue(p.trees().sources().containsKey("epsilon"), "24 runs are enough at min_runs 10");
            assertEquals(0.5, p.trees().weight());
            Run elsewhere = new Run("elsewhere", "zeta", null, "loss", Fixtures.runs(1, 1, 0, 3, "alpha").get(0).config(),
                    null);
            dev.ncpl.model.RunFeatures g = p.prepare(List.of(elsewhere)).features().get(0);
            assertEquals(g.finalLoss(0), p.predictFinal(List.of(elsewhere))[0], 1e-9,
                    "a source never seen is the pooled law alone at new_source_share 0");
        }

        tree.set("posthoc", Json.MAPPER.readTree("{\"residual\": {\"tree_weigth\": 0.5}}"));
        Files.writeString(recipeFile, Json.MAPPER.writeValueAsString(tree));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Recipe.load(recipeFile));
        assertTrue(unknown.getMessage().contains("field 'posthoc.residual.tree_weigth': unknown setting"),
                unknown.getMessage());
        tree.set("posthoc", Json.MAPPER.readTree("{\"blend\": {\"curve_gp_weight\": 1.5}}"));
        Files.writeString(recipeFile, Json.MAPPER.writeValueAsString(tree));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> Recipe.load(recipeFile));
        assertTrue(range.getMessage().contains("field 'posthoc.blend.curve_gp_weight': must lie in [0, 1], got 1.5"),
                range.getMessage());
    }

    @Test
    void fineTuningLearnsANewSourceWithNewKeysFromAFewRuns() throws IOException {
        // a source the parent never saw: its losses sit 0.3 above the law, and its configs carry a new key
        List<Run> gamma = new ArrayList<>();
        for (Run r : Fixtures.runs(40, 4, 0.003, 31, "gamma")) {
            ObjectNode cfg = r.config().deepCopy();
            ((ObjectNode) cfg.get("model")).put("qk_norm", "layernorm");
            double[] losses = r.curve().losses().clone();
            for (int i = 0; i < losses.length; i++) {
                losses[i] += 0.3;
            }
            gamma.add(new Run(r.id(), "gamma", "train", "loss", cfg, new Curve(r.curve().steps(), losses)));
        }
        List<Run> tuneOn = gamma.subList(0, 30);
        List<Run> heldOut = gamma.subList(30, 40);
        Path tuneFile = dir.resolve("gamma.jsonl");
        RunWriter.writeAll(tuneFile, tuneOn);
        Recipe fineTune = fineTuneRecipe(2, 4, 0.001);
        Path tuned = dir.resolve("tuned");
        new PredictorTrainer(fineTune, Device.cpu(), quiet()).fineTuneFrom(dir.resolve("model")).train(List.of(tuneFile), tuned);

        NcplModel parentModel = NcplModel.load(dir.resolve("model"), Device.cpu());
        try (BlendedPredictor parent = new BlendedPredictor(parentModel, "parent");
             BlendedPredictor child = BlendedPredictor.load(tuned)) {
            var pm = parent.model().manifest();
            var cm = child.model().manifest();
            assertTrue(child.model().tokenizer().knows("model.qk_norm:") && !parent.model().tokenizer().knows("model.qk_norm:"));
            assertTrue(cm.network().vocabularySize() > pm.network().vocabularySize());
            assertEquals(pm.network().dModel(), cm.network().dModel());
            assertTrue(child.model().baseline().knows("gamma") && child.model().baseline().knows("alpha"));
            // 30 runs are too few for trees of gamma's own; alpha, which it did not bring, keeps the parent's
            assertEquals(List.of("alpha"), List.copyOf(child.trees().sources().keySet()));
            assertEquals(dev.ncpl.util.Json.MAPPER.writeValueAsString(
                            ResidualModels.loadIfPresent(dir.resolve("model")).sources().get("alpha")),
                    dev.ncpl.util.Json.MAPPER.writeValueAsString(child.trees().sources().get("alpha")));
            assertTrue(cm.provenance().fineTunedFrom() != null, cm.provenance().toString());
            // every run it was fine-tuned on is of a source the parent never saw: its heads started afresh
            assertEquals("fresh", cm.provenance().fineTunedFrom().get("heads").asText());
            // the child's residuals are standardised on its own runs, over gamma's own law, not on the parent's
            assertNotEquals(pm.targets(), cm.targets());
            assertEquals(0, cm.targets().finalMean(), 0.2 * cm.targets().finalStd(), cm.targets().toString());
            assertTrue(Files.isRegularFile(tuned.resolve("intervals.json")));
            double parentErr = 0;
            double childErr = 0;
            List<Prediction> pp = parent.predict(heldOut);
            List<Prediction> cp = child.predict(heldOut);
            for (int i = 0; i < heldOut.size(); i++) {
                parentErr += Math.abs(pp.get(i).finalLoss() - heldOut.get(i).curve().finalLoss());
                childErr += Math.abs(cp.get(i).finalLoss() - heldOut.get(i).curve().finalLoss());
            }
            assertTrue(childErr < 0.3 * parentErr, "fine-tuned MAE " + childErr / 10 + " vs parent " + parentErr / 10);
            // the parent's sources are still predicted as before, up to the fine-tuned weights
            Run alphaRun = Fixtures.runs(1, 1, 0, 3, "alpha").get(0);
            assertEquals(parent.predict(List.of(alphaRun)).get(0).finalLoss(), child.predict(List.of(alphaRun)).get(0).finalLoss(),
                    0.1);
        }
    }

    @Test
    void runsInProgressGetIntervalsClosedOverWhatWasObserved() throws IOException {
        List<Run> val;
        try (var s = RunReader.stream(data, RunReader.Options.STRICT)) {
            val = s.filter(r -> r.split().equals("in_val")).toList();
        }
        ConditionedIntervals ci = ConditionedIntervals.loadIfPresent(dir.resolve("model"));
        PredictionIntervals configOnly = PredictionIntervals.loadIfPresent(dir.resolve("model"));
        PrefixConditioner prefix = PrefixConditioner.loadIfPresent(dir.resolve("model"));
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            // each run cut at 30% of its schedule, as a run in progress would arrive
            List<Run> cut = new ArrayList<>();
            for (Run r : val) {
                double total = r.number("schedule.total_steps").orElseThrow();
                cut.add(new Run(r.id(), r.source(), "", r.metric(), r.config(), r.curve().prefix(0.3 * total)));
            }
            List<Prediction> preds = new ConditionedPredictor(p, prefix, null).predict(cut);
            int covered = 0;
            double width = 0;
            for (int i = 0; i < cut.size(); i++) {
                assertEquals(0.3, ConditionedIntervals.observedFraction(cut.get(i)), 0.1);
                ConditionedIntervals.Bounds b = ConditionedIntervals.bounds(ci, configOnly, cut.get(i), preds.get(i), 0.8);
                covered += b.interval().contains(val.get(i).curve().finalLoss()) ? 1 : 0;
                width += b.interval().width() / cut.size();
                double lastSeen = cut.get(i).curve().lastStep();
                double[] steps = preds.get(i).steps();
                for (int j = 0; j < steps.length; j++) {
                    if (steps[j] <= lastSeen) {
                        assertEquals(b.band().lo()[j], b.band().hi()[j], "observed points are known exactly");
                    } else if (j == steps.length - 1) {
                        assertTrue(b.band().lo()[j] < b.band().hi()[j]);
                    }
                }
            }
            // calibrated on these runs cut at 30%: in-sample coverage is the nominal 80% up to ties
            double share = (double) covered / cut.size();
            assertTrue(share >= 0.65 && share <= 0.95, "covered " + share);
            // having seen 30%, the interval is narrower than the config-only one
            double configWidth = 0;
            List<Prediction> plain = p.predict(val);
            for (int i = 0; i < val.size(); i++) {
                configWidth += configOnly.finalInterval(val.get(i), plain.get(i), 0.8).width() / val.size();
            }
            assertTrue(width < configWidth, width + " vs config-only " + configWidth);
        }
    }

    @Test
    void fineTuningOnAKnownSourceKeepsItsLawAndMovesItsLevel() throws IOException {
        // new runs of a source the parent knows, all 0.2 above where the parent puts them (a larger model, say)
        List<Run> shifted = new ArrayList<>();
        for (Run r : Fixtures.runs(40, 4, 0.003, 41, "alpha")) {
            double[] losses = r.curve().losses().clone();
            for (int i = 0; i < losses.length; i++) {
                losses[i] += 0.2;
            }
            shifted.add(new Run(r.id() + "-shifted", "alpha", "train", "loss", r.config(), new Curve(r.curve().steps(), losses)));
        }
        Path file = dir.resolve("alpha-shifted.jsonl");
        RunWriter.writeAll(file, shifted.subList(0, 30));
        Recipe fineTune = fineTuneRecipe(1, 2, 0.0003);
        Path tuned = dir.resolve("tuned-alpha");
        new PredictorTrainer(fineTune, Device.cpu(), quiet()).fineTuneFrom(dir.resolve("model")).train(List.of(file), tuned);
        try (BlendedPredictor parent = BlendedPredictor.load(dir.resolve("model"));
             BlendedPredictor child = BlendedPredictor.load(tuned)) {
            var before = parent.model().baseline().law("alpha");
            var after = child.model().baseline().law("alpha");
            assertEquals(before.a(), after.a());
            assertEquals(before.alpha(), after.alpha());
            assertEquals(before.b(), after.b());
            assertEquals(before.beta(), after.beta());
            assertEquals(before.e() + 0.2, after.e(), 0.03);
            // the parent's trees were fitted under alpha's old level and network: the child drops them
            assertTrue(parent.trees().sources().containsKey("alpha"));
            assertTrue(child.trees().sources().isEmpty(), child.trees().sources().keySet().toString());
            List<Run> heldOut = shifted.subList(30, 40);
            double childErr = 0;
            List<Prediction> cp = child.predict(heldOut);
            for (int i = 0; i < heldOut.size(); i++) {
                childErr += Math.abs(cp.get(i).finalLoss() - heldOut.get(i).curve().finalLoss()) / heldOut.size();
            }
            assertTrue(childErr < 0.05, "fine-tuned MAE " + childErr);
        }
    }

    @Test
    void aCopiedMemberPredictsWhatTheParentDoesInTheNewTargetUnits() throws IOException {
        ParentModel parent = ParentModel.load(dir.resolve("model"));
        TargetStats moved = new TargetStats(0.25, 3.0, -0.1, 0.5);
        Run run = Fixtures.runs(1, 1, 0, 3, "alpha").get(0);
        try (NcplModel parentModel = NcplModel.load(dir.resolve("model"), Device.cpu());
             ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
            RunFeatures f = parentModel.features().features(run);
            float[][] query = {parentModel.features().query(f, f.schedule().total() / 2)};
            float[][][] expected = parentModel.residuals(List.of(f.encoded()), new float[][][] {query});
            NcplNetwork net = new NcplNetwork(parent.network(parentModel.manifest().network().vocabularySize()));
            net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 16), new Shape(1, 16),
                    new Shape(1, 16), new Shape(1, 16), new Shape(1, 1, FeatureExtractor.QUERY_FEATURES));
            parent.copyInto(0, net, moved, false);
            ai.djl.ndarray.NDList out = net.forward(new ai.djl.training.ParameterStore(manager, false),
                    BatchBuilder.inputs(manager, List.of(f.encoded()), new float[][][] {query}), false);
            assertEquals(expected[0][0][0], moved.finalMean() + moved.finalStd() * out.get(0).getFloat(0), 1e-5);
            assertEquals(expected[0][1][0], moved.curveMean() + moved.curveStd() * out.get(1).getFloat(0, 0), 1e-5);
        }
    }

    @Test
    void aCopyWithFreshHeadsTakesOnlyTheParentsEncoder() throws IOException {
        ParentModel parent = ParentModel.load(dir.resolve("model"));
        try (NcplModel parentModel = NcplModel.load(dir.resolve("model"), Device.cpu());
             ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
            java.util.Map<String, float[]> parentParams = new java.util.HashMap<>();
            NcplNetwork parentNet = new NcplNetwork(parentModel.manifest().network());
            NcplModel.loadParameters(dir.resolve("model").resolve(parentModel.manifest().members().get(0)), parentNet, manager);
            parentNet.getParameters().forEach(p -> parentParams.put(p.getKey(), p.getValue().getArray().toFloatArray()));
            NcplNetwork net = new NcplNetwork(parent.network(parentModel.manifest().network().vocabularySize()));
            net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 16), new Shape(1, 16),
                    new Shape(1, 16), new Shape(1, 16), new Shape(1, 1, FeatureExtractor.QUERY_FEATURES));
            parent.copyInto(0, net, parentModel.manifest().targets(), true);
            int heads = 0;
            int encoder = 0;
            for (var p : net.getParameters()) {
                float[] mine = p.getValue().getArray().toFloatArray();
                if (ParentModel.isHead(p.getKey())) {
                    heads++;
                    assertTrue(!java.util.Arrays.equals(parentParams.get(p.getKey()), mine), p.getKey() + " was copied");
                } else {
                    encoder++;
                    assertArrayEquals(parentParams.get(p.getKey()), mine, p.getKey() + " was not copied");
                }
            }
            assertEquals(10, heads, "five linear layers of the two heads, weight and bias each");
            assertTrue(encoder > 10, "encoder parameters: " + encoder);
        }
    }

    @Test
    void aCopyIsCentredOnTheRunsOfASourceItsParentNeverSaw() throws IOException {
        ParentModel parent = ParentModel.load(dir.resolve("model"));
        List<Run> gamma = Fixtures.runs(12, 2, 0.003, 51, "gamma");
        try (NcplModel parentModel = NcplModel.load(dir.resolve("model"), Device.cpu());
             ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
            NcplNetwork net = new NcplNetwork(parent.network(parentModel.manifest().network().vocabularySize()));
            net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 16), new Shape(1, 16),
                    new Shape(1, 16), new Shape(1, 16), new Shape(1, 1, FeatureExtractor.QUERY_FEATURES));
            parent.copyInto(0, net, parentModel.manifest().targets(), false);
            List<RunFeatures> feats = gamma.stream().map(parentModel.features()::features).toList();
            int points = gamma.get(0).curve().size();
            float[][][] queries = new float[gamma.size()][points][];
            for (int i = 0; i < gamma.size(); i++) {
                for (int j = 0; j < points; j++) {
                    queries[i][j] = parentModel.features().query(feats.get(i), gamma.get(i).curve().step(j));
                }
            }
            ai.djl.ndarray.NDList before = net.forward(new ai.djl.training.ParameterStore(manager, false),
                    BatchBuilder.inputs(manager, feats.stream().map(RunFeatures::encoded).toList(), queries), false);
            float[] z = before.get(0).toFloatArray();
            float[] c = before.get(1).toFloatArray();
            // targets 3 above the copy's final-loss outputs and 2 below its curve outputs
            List<TrainingExample> examples = new ArrayList<>();
            for (int i = 0; i < gamma.size(); i++) {
                float[] curveTargets = new float[points];
                for (int j = 0; j < points; j++) {
                    curveTargets[j] = c[i * points + j] - 2f;
                }
                examples.add(new TrainingExample("gamma", feats.get(i), gamma.get(i).curve().finalLoss(), z[i] + 3f,
                        queries[i], curveTargets));
            }
            assertArrayEquals(new double[2], NewSourceCentering.apply(net, manager, List.of(), quiet()));
            double[] moves = NewSourceCentering.apply(net, manager, examples, quiet());
            assertEquals(3.0, moves[0], 1e-4);
            assertEquals(-2.0, moves[1], 1e-4);
            ai.djl.ndarray.NDList after = net.forward(new ai.djl.training.ParameterStore(manager, false),
                    BatchBuilder.inputs(manager, feats.stream().map(RunFeatures::encoded).toList(), queries), false);
            for (int i = 0; i < gamma.size(); i++) {
                assertEquals(z[i] + 3f, after.get(0).getFloat(i), 1e-4);
                assertEquals(c[i * points] - 2f, after.get(1).getFloat(i, 0), 1e-4);
            }
        }
    }

    @Test
    void aNewSourceWithTwoSizesTakesItsSizeExponentFromTheParentsBestIdentifiedLaw() throws IOException {
        Path file = dir.resolve("delta.jsonl");
        RunWriter.writeAll(file, Fixtures.runs(20, 2, 0.003, 61, "delta"));
        Recipe fineTune = fineTuneRecipe(1, 1, 0.0003);
        Path tuned = dir.resolve("tuned-delta");
        new PredictorTrainer(fineTune, Device.cpu(), quiet()).fineTuneFrom(dir.resolve("model")).train(List.of(file), tuned);
        dev.ncpl.baseline.Baseline parentLaws = dev.ncpl.baseline.Baseline.load(dir.resolve("model").resolve(NcplModel.BASELINE));
        // the parent's sources: alpha with four sizes, beta with three
        assertEquals("alpha", parentLaws.bestIdentifiedSource());
        var delta = dev.ncpl.baseline.Baseline.load(tuned.resolve(NcplModel.BASELINE)).sources().get("delta");
        assertEquals(2, delta.distinctParams());
        assertEquals(parentLaws.law("alpha").alpha(), delta.law().alpha(), 1e-12);
        assertTrue(delta.notes().get(0).contains("(the parent's law of alpha, fitted on 4 sizes)"), delta.notes().toString());
    }

    @Test
    void unknownOptimizerIsRefusedByName() throws IOException {
        Run run = Fixtures.runs(1, 1, 0, 3, "alpha").get(0);
        ObjectNode cfg = run.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("name", "quantum_sgd");
        Run odd = new Run("odd", "alpha", "", "loss", cfg, run.curve());
        try (BlendedPredictor p = BlendedPredictor.load(dir.resolve("model"))) {
            InvalidRunException e = assertThrows(InvalidRunException.class, () -> p.predict(List.of(odd)));
            assertEquals("optimizer.name", e.field());
            assertTrue(e.getMessage().contains("quantum_sgd"));
        }
    }
}
