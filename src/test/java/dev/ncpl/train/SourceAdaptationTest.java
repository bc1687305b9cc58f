package dev.ncpl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --from} on runs of a source the parent never saw, without training: the parent's predictions of the
 * new source corrected by a process on its errors on the given runs, intervals of the source's own; every other
 * source predicted as the parent does, and the parent's folder left as it was.
 */
class SourceAdaptationTest {
    @TempDir
    static Path dir;
    static Path parent;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void trainParent() throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(120, 4, 0.003, 11, "alpha"));
        runs.addAll(Fixtures.runs(80, 3, 0.003, 12, "beta"));
        Path data = dir.resolve("parent-runs.jsonl");
        RunWriter.writeAll(data, runs);
        parent = dir.resolve("parent");
        new PredictorTrainer(tinyRecipe(), Device.cpu(), QUIET).train(List.of(data), parent);
    }

    static Recipe tinyRecipe() {
        return new Recipe("tiny", "test", "in_val", List.of(), 5, 1, new Recipe.Network(16, 2, 1, 32, 32, 0.1),
                32, 4, 0.5, 1.0, 0.0, 50, List.of(new Recipe.Stage("all", List.of(), 4, 0.003, 0.5)), null);
    }

    /** Runs of a new source "gamma" whose losses sit 12% above the law the parent learnt: another metric. */
    static List<Run> gamma(int count, long seed) {
        return shifted(count, seed, "gamma", "gamma's loss", 1.12);
    }

    /** Runs of new source {@code source} logging {@code metric}, every loss times {@code factor}, without a split. */
    static List<Run> shifted(int count, long seed, String source, String metric, double factor) {
        List<Run> out = new ArrayList<>();
        for (Run r : Fixtures.runs(count, 4, 0.003, seed, source)) {
            double[] losses = r.curve().losses().clone();
            for (int i = 0; i < losses.length; i++) {
                losses[i] *= factor;
            }
            out.add(new Run(r.id(), r.source(), null, metric, r.config(), new Curve(r.curve().steps(), losses)));
        }
        return out;
    }

    @Test
    void aNewSourceIsLearntFromItsRunsWithoutTrainingAndTheOthersAreUnchanged() throws IOException {
        List<Run> all = gamma(80, 31);
        List<Run> given = all.subList(0, 30);
        List<Run> scored = all.subList(30, 80);
        Path runs = dir.resolve("gamma.jsonl");
        RunWriter.writeAll(runs, given);
        Path parentManifest = parent.resolve("model.json");
        String parentBefore = Files.readString(parentManifest);
        assertTrue(SourceAdaptation.servesAll(parent, given));
        Path out = dir.resolve("adapted");
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(runs), out);

        assertEquals(parentBefore, Files.readString(parentManifest), "the parent is left as it was");
        assertTrue(Files.isRegularFile(out.resolve("source-corrections.json")));
        assertFalse(Files.exists(dir.resolve("adapted.staging")));
        List<Run> alpha = Fixtures.runs(20, 4, 0.003, 99, "alpha");
        try (BlendedPredictor before = BlendedPredictor.load(parent); BlendedPredictor after = BlendedPredictor.load(out)) {
            assertArrayEquals(before.predictFinal(alpha), after.predictFinal(alpha), 0.0, "a known source is untouched");
            double parentMae = mae(before.predict(scored), scored);
            double adaptedMae = mae(after.predict(scored), scored);
            assertTrue(adaptedMae < 0.4 * parentMae, "adapted " + adaptedMae + ", parent " + parentMae);
            // final loss and curve move together
            Prediction p = after.predict(scored.subList(0, 1)).get(0);
            assertEquals(p.finalLoss(), after.predictFinal(scored.subList(0, 1))[0], 1e-9);
            assertEquals(1.0, p.losses()[p.losses().length - 1] / p.finalLoss(), 0.05);
            // the source's own intervals, calibrated on the corrections' leave-one-out errors, hold most of its runs;
            // the parent's (a never-seen source's widening, measured between two sources that share one law) miss it
            PredictionIntervals parentIntervals = PredictionIntervals.loadIfPresent(parent);
            PredictionIntervals own = PredictionIntervals.loadIfPresent(out);
            assertTrue(own.sources().containsKey("gamma"));
            List<Prediction> preds = after.predict(scored);
            List<Prediction> parentPreds = before.predict(scored);
            int inside = 0;
            int insideParent = 0;
            double width = 0;
            for (int i = 0; i < scored.size(); i++) {
                double truth = scored.get(i).curve().finalLoss();
                var iv = own.finalInterval(scored.get(i), preds.get(i), 0.8);
                inside += iv.contains(truth) ? 1 : 0;
                width += iv.width() / truth / scored.size();
                insideParent += parentIntervals.finalInterval(scored.get(i), parentPreds.get(i), 0.8).contains(truth) ? 1 : 0;
            }
            assertTrue(inside >= 0.6 * scored.size(), inside + " of " + scored.size() + " inside");
            assertTrue(insideParent < inside, "the parent's intervals held " + insideParent);
            assertTrue(width < 0.1, "mean width " + width + " of the loss");
        }
        String card = Files.readString(out.resolve("model.json"));
        assertTrue(card.contains("source corrections") && card.contains("source-corrections"), card);
    }

    @Test
    void aSisterSweepIsReadAsTheKnownSourceThatLogsItsMetricThenCorrected() throws IOException {
        // "delta" logs the metric of alpha (four sizes) and beta (three): read as alpha, the best measured
        List<Run> given = shifted(30, 61, "delta", "loss", 1.03);
        List<Run> scored = shifted(20, 62, "delta", "loss", 1.03);
        Path runs = dir.resolve("delta.jsonl");
        RunWriter.writeAll(runs, given);
        Path out = dir.resolve("adapted-sister");
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(runs), out);
        var corrections = dev.ncpl.residual.SourceCorrections.loadIfPresent(out);
        assertEquals("alpha", corrections.sources().get("delta").readsAs());
        try (BlendedPredictor before = BlendedPredictor.load(parent); BlendedPredictor after = BlendedPredictor.load(out)) {
            List<Run> asAlpha = scored.stream().map(r -> r.withSource("alpha")).toList();
            List<Prediction> parentAsAlpha = before.predict(asAlpha);
            List<Prediction> adapted = after.predict(scored);
            double[] finals = after.predictFinal(scored);
            for (int i = 0; i < scored.size(); i++) {
                // the parent's reading of the run as alpha's, times the correction fitted on its errors so read
                double factor = Math.exp(corrections.logFactor(scored.get(i), parentAsAlpha.get(i).finalLoss()));
                assertEquals(parentAsAlpha.get(i).finalLoss() * factor, adapted.get(i).finalLoss(), 1e-9);
                assertEquals(adapted.get(i).finalLoss(), finals[i], 1e-9);
            }
            assertTrue(mae(adapted, scored) < 0.5 * mae(before.predict(scored), scored), "read as alpha and corrected "
                    + mae(adapted, scored) + ", the parent as never seen " + mae(before.predict(scored), scored));
        }
        // told to read it as never seen, or as beta, it does; a source the parent never knew is refused, nothing written
        Path none = dir.resolve("adapted-sister-none");
        assertEquals(0, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out", none.toString(),
                "--read-as", "none"));
        assertEquals(null, dev.ncpl.residual.SourceCorrections.loadIfPresent(none).sources().get("delta").readsAs());
        new SourceAdaptation(parent, 17, QUIET, "beta").adapt(List.of(runs), dir.resolve("adapted-as-beta"));
        assertEquals("beta", dev.ncpl.residual.SourceCorrections.loadIfPresent(dir.resolve("adapted-as-beta"))
                .sources().get("delta").readsAs());
        Path refused = dir.resolve("adapted-as-nobody");
        assertEquals(1, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out",
                refused.toString(), "--read-as", "omega"));
        assertFalse(Files.exists(refused));
        assertEquals(2, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out",
                refused.toString(), "--adaptation", "fine-tune", "--read-as", "none"));
        // given one size, read as alpha it widens beyond that size as the parent's own sources do beyond theirs
        double smallest = given.stream().mapToDouble(r -> Scale.of(r).params()).min().orElseThrow();
        Path oneSize = dir.resolve("delta-one-size.jsonl");
        RunWriter.writeAll(oneSize, shifted(120, 64, "delta", "loss", 1.03).stream()
                .filter(r -> Scale.of(r).params() == smallest).toList());
        Path oneSizeOut = dir.resolve("adapted-sister-one-size");
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(oneSize), oneSizeOut);
        double parentGrowth = PredictionIntervals.loadIfPresent(parent).growth();
        try (BlendedPredictor p = BlendedPredictor.load(parent)) {
            assertTrue(Math.abs(parentGrowth - p.model().manifest().posthocSettings().intervals().oneSizeGrowth()) > 0.1,
                    "the two growths differ, so the test tells them apart");
        }
        assertEquals(parentGrowth, PredictionIntervals.loadIfPresent(oneSizeOut).sources().get("delta").growth(), 0.0);
        // gamma logs a metric no known source logs: read as never seen
        Path gammaOut = dir.resolve("adapted-gamma-metric");
        Path gammaRuns = dir.resolve("gamma-metric.jsonl");
        RunWriter.writeAll(gammaRuns, gamma(20, 63));
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(gammaRuns), gammaOut);
        assertEquals(null, dev.ncpl.residual.SourceCorrections.loadIfPresent(gammaOut).sources().get("gamma").readsAs());
    }

    @Test
    void aSourceGivenOneSizeWidensBeyondItByTheParentsOneSizeGrowth() throws IOException {
        List<Run> all = gamma(120, 51);
        double smallest = all.stream().mapToDouble(r -> Scale.of(r).params()).min().orElseThrow();
        List<Run> given = all.stream().filter(r -> Scale.of(r).params() == smallest).toList();
        assertTrue(given.size() >= 20, given.size() + " runs of the smallest size");
        Path runs = dir.resolve("gamma-one-size.jsonl");
        RunWriter.writeAll(runs, given);
        Path out = dir.resolve("adapted-one-size");
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(runs), out);

        double setting;
        try (BlendedPredictor p = BlendedPredictor.load(parent)) {
            setting = p.model().manifest().posthocSettings().intervals().oneSizeGrowth();
        }
        PredictionIntervals own = PredictionIntervals.loadIfPresent(out);
        PredictionIntervals.SourceCalibration gamma = own.sources().get("gamma");
        assertEquals(setting, gamma.growth(), 0.0, "one size measures no step: the parent's one-size growth");
        assertTrue(gamma.beyondStep() == null || gamma.beyondStep() == 0, "no step: " + gamma.beyondStep());
        // the first run of each larger size (the same lr and tokens per parameter): relative widths grow with the
        // distance beyond the given size
        try (BlendedPredictor adapted = BlendedPredictor.load(out)) {
            TreeMap<Double, Run> bySize = new TreeMap<>();
            all.stream().filter(r -> Scale.of(r).params() > smallest).forEach(r -> bySize.putIfAbsent(Scale.of(r).params(), r));
            double previous = 0;
            for (Run r : bySize.values()) {
                Prediction p = adapted.predict(List.of(r)).get(0);
                double width = own.finalInterval(r, p, 0.8).width() / p.finalLoss();
                assertTrue(width > previous, "relative width " + width + " at N " + Scale.of(r).params());
                previous = width;
            }
        }
    }

    @Test
    void aNewSourceWithoutKeysEveryTrainingRunGaveIsCorrectedAndOnlyItIsLetOff() throws IOException {
        // "epsilon" publishes neither its schedule's kind nor its peak learning rate (datablations' runs do not),
        // which every run the parent learnt from gave
        List<Run> all = new ArrayList<>();
        for (Run r : shifted(60, 71, "epsilon", "epsilon's loss", 1.05)) {
            com.fasterxml.jackson.databind.node.ObjectNode config = r.config().deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("schedule")).remove("lr_schedule");
            ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("optimizer")).remove("lr");
            all.add(new Run(r.id(), r.source(), null, r.metric(), config, r.curve()));
        }
        List<Run> given = all.subList(0, 30);
        List<Run> scored = all.subList(30, 60);
        double parentMae;
        try (BlendedPredictor before = BlendedPredictor.load(parent)) {
            assertThrows(dev.ncpl.runs.InvalidRunException.class, () -> before.checkPredictable(scored.get(0)),
                    "the parent alone refuses them");
            parentMae = mae(before.predictForCorrection(scored), scored);
        }
        assertTrue(SourceAdaptation.servesAll(parent, given));
        Path runs = dir.resolve("epsilon.jsonl");
        RunWriter.writeAll(runs, given);
        Path out = dir.resolve("adapted-epsilon");
        new SourceAdaptation(parent, 17, QUIET).adapt(List.of(runs), out);
        try (BlendedPredictor after = BlendedPredictor.load(out)) {
            List<Prediction> preds = after.predict(scored);
            assertTrue(mae(preds, scored) < 0.4 * parentMae, "corrected on its own runs: MAE " + mae(preds, scored)
                    + ", the parent's " + parentMae);
            // another source never seen still needs what every training run gave: the network learnt nothing new
            Run stranger = scored.get(0).withSource("zeta");
            assertThrows(dev.ncpl.runs.InvalidRunException.class, () -> after.checkPredictable(stranger));
        }
    }

    @Test
    void runsOfAKnownSourceAreLeftToFineTuning() throws IOException {
        List<Run> mixed = new ArrayList<>(gamma(10, 5));
        mixed.addAll(Fixtures.runs(5, 4, 0.003, 7, "alpha"));
        assertFalse(SourceAdaptation.servesAll(parent, mixed));
        Path runs = dir.resolve("mixed.jsonl");
        RunWriter.writeAll(runs, mixed);
        Path out = dir.resolve("refused");
        assertThrows(IllegalArgumentException.class, () -> new SourceAdaptation(parent, 17, QUIET).adapt(List.of(runs), out));
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("refused.staging")));
    }

    @Test
    void trainFromChoosesTheCorrectionsForNewSourcesAndRefusesWhatWouldLoseThem() throws IOException {
        Path runs = dir.resolve("gamma-cli.jsonl");
        RunWriter.writeAll(runs, gamma(20, 41));
        Path out = dir.resolve("adapted-cli");
        assertEquals(0, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out", out.toString()));
        assertTrue(Files.isRegularFile(out.resolve("source-corrections.json")));
        assertEquals(2, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out",
                dir.resolve("x").toString(), "--adaptation", "sideways"));
        // a fine-tuned network would drop the corrections: refused, and nothing written
        Path tuned = dir.resolve("tuned-from-adapted");
        assertEquals(1, main("train", "--from", out.toString(), "--runs", runs.toString(), "--out", tuned.toString(),
                "--adaptation", "fine-tune"));
        assertFalse(Files.exists(tuned));
        assertEquals(1, main("calibrate", "--model", out.toString(), "--runs", runs.toString()));
    }

    @Test
    void fineTuningOnFinalLossesAloneKeepsTheParentsCurveLaws() throws IOException {
        // a sweep that logged final losses only (Step Law's MoE grid): no curve law can be learnt from it
        List<Run> finalsOnly = new ArrayList<>();
        for (Run r : gamma(30, 51)) {
            Curve c = r.curve();
            finalsOnly.add(new Run(r.id(), r.source(), null, r.metric(), r.config(),
                    new Curve(new double[] {c.steps()[c.size() - 1]}, new double[] {c.finalLoss()})));
        }
        Path runs = dir.resolve("gamma-finals.jsonl");
        RunWriter.writeAll(runs, finalsOnly);
        // from scratch there is no parent to lean on: the network's curve heads alone draw the curves
        Path scratch = dir.resolve("scratch-finals");
        new PredictorTrainer(tinyRecipe(), Device.cpu(), QUIET).train(List.of(runs), scratch);
        assertFalse(Files.exists(scratch.resolve(dev.ncpl.curve.CurveShape.FILE)));
        assertFalse(Files.exists(scratch.resolve(dev.ncpl.curve.PrefixConditioner.FILE)));
        // 6 held-out runs calibrate no interval: none rather than one read off a handful of errors
        assertFalse(Files.exists(scratch.resolve(PredictionIntervals.FILE)));
        try (BlendedPredictor fromScratch = BlendedPredictor.load(scratch)) {
            Prediction p = fromScratch.predict(gamma(1, 53)).get(0);
            assertTrue(Double.isFinite(p.finalLoss()) && p.losses().length > 2, "a final loss and a curve");
        }
        assertEquals(1, main("refit", "--model", scratch.toString(), "--runs", runs.toString()),
                "no curve models to refit from final losses");
        Path out = dir.resolve("tuned-finals");
        assertEquals(0, main("train", "--from", parent.toString(), "--runs", runs.toString(), "--out", out.toString(),
                "--adaptation", "fine-tune"));
        assertFalse(Files.exists(out.resolve("source-corrections.json")), "fine-tuned, not corrected");
        // 6 held-out runs are too few to calibrate: the parent's intervals, gamma still widened as never seen
        assertEquals(Files.readString(parent.resolve(PredictionIntervals.FILE)),
                Files.readString(out.resolve(PredictionIntervals.FILE)));
        List<Run> scored = gamma(5, 52);
        try (BlendedPredictor tuned = BlendedPredictor.load(out)) {
            for (Prediction p : tuned.predict(scored)) {
                double[] losses = p.losses();
                assertTrue(losses.length > 2, "a curve, from the parent's pooled laws");
                assertTrue(losses[0] > losses[losses.length - 1], "the curve falls");
                assertEquals(1.0, losses[losses.length - 1] / p.finalLoss(), 0.05);
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                Files.readAllBytes(parent.resolve(dev.ncpl.curve.CurveShape.FILE)),
                Files.readAllBytes(out.resolve(dev.ncpl.curve.CurveShape.FILE)), "the parent's curve shape, unchanged");
    }

    private static int main(String... args) {
        var cl = dev.ncpl.cli.Main.commandLine();
        cl.setErr(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        cl.setOut(new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()));
        return cl.execute(args);
    }

    private static double mae(List<Prediction> preds, List<Run> runs) {
        double sum = 0;
        for (int i = 0; i < runs.size(); i++) {
            sum += Math.abs(preds.get(i).finalLoss() - runs.get(i).curve().finalLoss());
        }
        return sum / runs.size();
    }
}
