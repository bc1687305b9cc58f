package dev.ncpl.uncertainty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.uncertainty.IntervalFitter.Coverage;
import dev.ncpl.uncertainty.IntervalFitter.Residuals;
import dev.ncpl.uncertainty.PredictionIntervals.Interval;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Split-conformal intervals: nominal coverage on fresh runs, widening with spread and distance, persistence. */
class PredictionIntervalsTest {
    @TempDir
    Path dir;

    /** Residuals of {@code runs} drawn from N(bias, sigma²), final and curve alike, with the given spread. */
    static List<Residuals> residuals(List<Run> runs, double bias, double sigma, double spread, long seed) {
        Random rnd = new Random(seed);
        List<Residuals> out = new ArrayList<>();
        for (Run r : runs) {
            double[] fr = {0.25, 0.5, 0.75, 0.99};
            double[] cr = new double[fr.length];
            for (int j = 0; j < cr.length; j++) {
                cr[j] = bias + 2 * sigma * rnd.nextGaussian();
            }
            out.add(new Residuals(r, bias + sigma * rnd.nextGaussian(), spread, fr, cr));
        }
        return out;
    }

    @Test
    void coverageOnFreshRunsMatchesTheNominalLevel() {
        List<Run> runs = Fixtures.runs(400, 4, 0.0, 1, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0.01, 0.02, 0, 2), 0);
        List<Residuals> fresh = residuals(Fixtures.runs(2000, 4, 0.0, 3, "alpha"), 0.01, 0.02, 0, 4);
        for (double level : new double[] {0.5, 0.8, 0.95}) {
            Coverage c = IntervalFitter.coverage(iv, fresh, level).get("alpha");
            assertEquals(level, c.finalCoverage(), 0.035, "final coverage at " + level);
            assertEquals(level, c.curveCoverage(), 0.035, "curve coverage at " + level);
        }
        // the bias is learnt: the 80% interval of N(0.01, 0.02²) spans 0.01 ± 1.28·0.02
        Coverage c80 = IntervalFitter.coverage(iv, fresh, 0.8).get("alpha");
        assertEquals(2 * 1.2816 * 0.02, c80.finalWidth(), 0.006);
    }

    @Test
    void crossFittedCoverageIsNearTheNominalLevelToo() {
        List<Run> runs = Fixtures.runs(500, 4, 0.0, 5, "alpha");
        Map<String, Coverage> cov = IntervalFitter.crossValidated(runs, residuals(runs, 0, 0.02, 0, 6), 0, 0.8);
        assertEquals(500, cov.get("alpha").runs());
        assertEquals(0.8, cov.get("alpha").finalCoverage(), 0.05);
    }

    @Test
    void intervalsWidenWithEnsembleSpreadAndBeyondTheTrainingSizes() {
        List<Run> small = Fixtures.runs(200, 3, 0.0, 7, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(small, residuals(small, 0, 0.02, 0, 8), 2.0);
        Run inside = small.get(0);
        double base = iv.finalInterval(inside, 3.0, 0, 0.8).width();
        double tau = iv.calibration("alpha").tau();
        assertEquals(base * Math.sqrt(2), iv.finalInterval(inside, 3.0, tau, 0.8).width(), 1e-9);
        // the 6th fixture shape is larger than any of the first three
        Run larger = Fixtures.runs(6, 6, 0.0, 9, "alpha").get(5);
        double n = dev.ncpl.runs.Scale.params(larger).orElseThrow();
        double nMax = small.stream().mapToDouble(r -> dev.ncpl.runs.Scale.params(r).orElseThrow()).max().orElseThrow();
        double d = PredictionIntervals.distance(iv.calibration("alpha"), larger);
        assertTrue(d >= Math.log(n / nMax) - 1e-9, "distance " + d);
        assertEquals(base * (1 + 2.0 * d), iv.finalInterval(larger, 3.0, 0, 0.8).width(), 1e-9);
        // with both, the larger of the two terms, not their product: a spread below the distance's term
        // leaves the width at the distance's, one above it sets the width alone
        double below = tau * Math.sqrt(Math.pow(1 + 2.0 * d, 2) / 4 - 1 + 1e-12);
        assertTrue(below > 0, "distance " + d);
        assertEquals(base * (1 + 2.0 * d), iv.finalInterval(larger, 3.0, below, 0.8).width(), 1e-9);
        double above = tau * 2 * (1 + 2.0 * d);
        assertEquals(base * Math.sqrt(1 + 4 * Math.pow(1 + 2.0 * d, 2)), iv.finalInterval(larger, 3.0, above, 0.8).width(), 1e-9);
    }

    /** A source's own widening (a corrected source's, measured on its runs) replaces the shared growth, and is saved. */
    @Test
    void aSourcesOwnStepReplacesTheSharedGrowthBeyondItsRange() throws IOException {
        List<Run> small = Fixtures.runs(200, 3, 0.0, 7, "alpha");
        PredictionIntervals shared = IntervalFitter.fit(small, residuals(small, 0, 0.02, 0, 8), 2.0);
        Map<String, PredictionIntervals.SourceCalibration> sources = new java.util.TreeMap<>(shared.sources());
        sources.put("alpha", shared.calibration("alpha").withWidening(1.5, 0));
        PredictionIntervals own = new PredictionIntervals(sources, 2.0);
        Run inside = small.get(0);
        Run larger = Fixtures.runs(6, 6, 0.0, 9, "alpha").get(5);
        double base = shared.finalInterval(inside, 3.0, 0, 0.8).width();
        assertEquals(base, own.finalInterval(inside, 3.0, 0, 0.8).width(), 1e-12, "no step inside the range");
        assertEquals(base * 2.5, own.finalInterval(larger, 3.0, 0, 0.8).width(), 1e-9, "a step of 1.5 beyond it");
        own.save(dir.resolve("intervals.json"));
        PredictionIntervals loaded = PredictionIntervals.loadIfPresent(dir);
        assertEquals(base * 2.5, loaded.finalInterval(larger, 3.0, 0, 0.8).width(), 1e-9);
        shared.save(dir.resolve("shared.json"));
        assertTrue(!java.nio.file.Files.readString(dir.resolve("shared.json")).contains("beyond_step"),
                "files without a step of their own are written as before");
    }

    @Test
    void runsBeyondTheirOwnSourcesSizesOrBudgetsAreNamed() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(100, 3, 0.0, 20, "alpha"));
        runs.addAll(Fixtures.runs(5, 3, 0.0, 21, "tiny"));
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0, 0.02, 0, 22), 2.0);
        for (Run r : runs.subList(0, 100)) {
            assertEquals(List.of(), iv.beyondSourceRange(r), r.id());
        }
        // the 6th fixture shape is larger than any of the first three
        Run larger = Fixtures.runs(6, 6, 0.0, 23, "alpha").get(5);
        assertTrue(PredictionIntervals.distance(iv.calibration("alpha"), larger) > 0);
        List<String> beyond = iv.beyondSourceRange(larger);
        assertTrue(beyond.contains("derived.params"), beyond.toString());
        Run moreTokens = withTokens(runs.get(0), 1e3 * dev.ncpl.runs.Scale.tokens(runs.get(0)).orElseThrow());
        assertEquals(List.of("derived.tokens"), iv.beyondSourceRange(moreTokens));
        // a source without intervals of its own has no training range of its own to be beyond
        assertEquals(List.of(), iv.beyondSourceRange(Fixtures.runs(6, 6, 0.0, 24, "tiny").get(5)));
    }

    /**
     * A mixture of experts denser or sparser than any training run of its source (or one of a source trained on dense
     * runs) lies beyond its range in ln(experts per token / experts): its interval widens as beyond a size does.
     */
    @Test
    void intervalsWidenForExpertDensitiesOutsideTheTrainingRange() throws IOException {
        List<Run> moe = new ArrayList<>();
        for (Run r : Fixtures.runs(120, 3, 0.0, 31, "moe")) {
            moe.add(withExperts(r, 88, moe.size() % 2 == 0 ? 1 : 2));
        }
        PredictionIntervals iv = IntervalFitter.fit(moe, residuals(moe, 0, 0.02, 0, 32), 2.0);
        Run inside = moe.get(0);
        double base = iv.finalInterval(inside, 3.0, 0, 0.8).width();
        assertEquals(0, PredictionIntervals.distance(iv.calibration("moe"), inside), 1e-12);
        assertEquals(List.of(), iv.beyondSourceRange(moe.get(1)));
        Run denser = withExperts(inside, 88, 8);
        double d = PredictionIntervals.distance(iv.calibration("moe"), denser);
        assertEquals(Math.log(8.0 / 2), d, 1e-9, "four times denser than the densest training config");
        assertEquals(base * (1 + 2.0 * d), iv.finalInterval(denser, 3.0, 0, 0.8).width(), 1e-9);
        assertEquals(List.of("model.experts_per_token"), iv.beyondSourceRange(denser));
        Run dense = new Run("dense", "moe", "in_val", inside.metric(), Fixtures.runs(1, 1, 0.0, 33, "moe").get(0).config(),
                inside.curve());
        assertEquals(Math.log(88.0 / 2), PredictionIntervals.distance(iv.calibration("moe"), dense), 1e-9,
                "a dense config is far denser than any of these");

        // intervals saved before the density was kept do not widen for it
        Path f = dir.resolve("old-intervals.json");
        iv.save(f);
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                dev.ncpl.util.Json.MAPPER.readTree(f.toFile());
        json.get("sources").forEach(c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c).remove("log_active_share"));
        java.nio.file.Files.writeString(f, json.toString());
        PredictionIntervals old = PredictionIntervals.load(f);
        assertEquals(0, PredictionIntervals.distance(old.calibration("moe"), denser), 1e-12);
    }

    /** {@code run} as a mixture of {@code experts} experts, {@code topK} of them used per token. */
    private static Run withExperts(Run run, int experts, int topK) {
        ObjectNode config = run.config().deepCopy();
        ObjectNode model = (ObjectNode) config.get("model");
        model.put("experts", experts);
        model.put("experts_per_token", topK);
        return new Run(run.id() + "-moe-" + topK, run.source(), run.split(), run.metric(), config, run.curve());
    }

    /** {@code run} with its token budget set to {@code tokens}. */
    private static Run withTokens(Run run, double tokens) {
        ObjectNode config = run.config().deepCopy();
        ((ObjectNode) config.get("data")).put("tokens_total", tokens);
        return new Run(run.id() + "-more-tokens", run.source(), run.split(), run.metric(), config, run.curve());
    }

    @Test
    void beyondTheTrainingSizesTheIntervalWidensAboutItsCentreNotAboutThePrediction() {
        // held-out errors centred well above zero: the interval sits above the prediction
        List<Run> small = Fixtures.runs(300, 3, 0.0, 17, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(small, residuals(small, 0.03, 0.01, 0, 18), 2.0);
        Interval inside = iv.finalInterval(small.get(0), 3.0, 0, 0.8);
        assertTrue(inside.lo() > 3.0, "the skew is kept in distribution: " + inside);
        Run larger = Fixtures.runs(6, 6, 0.0, 19, "alpha").get(5);
        double d = PredictionIntervals.distance(iv.calibration("alpha"), larger);
        assertTrue(d > 0.3, "distance " + d);
        Interval beyond = iv.finalInterval(larger, 3.0, 0, 0.8);
        assertEquals((inside.lo() + inside.hi()) / 2, (beyond.lo() + beyond.hi()) / 2, 1e-9);
        assertEquals(inside.width() * (1 + 2.0 * d), beyond.width(), 1e-9);
        // scaling the whole interval would have lifted its lower end too (its lower quantile lies above zero);
        // widened about its centre, it reaches further down
        assertTrue(beyond.lo() < inside.lo() - 0.01, "beyond " + beyond + ", inside " + inside);
        // the curve band alike, at the same fractions of training
        Prediction p = new Prediction(larger.id(), 3.0, new double[] {10, 90}, new double[] {4.0, 3.0}, 0);
        double[] fractions = {0.1, 0.9};
        PredictionIntervals.Band band = iv.bandAtFractions(larger, p, fractions, 0.8);
        PredictionIntervals.Band in = iv.bandAtFractions(small.get(0), p, fractions, 0.8);
        for (int j = 0; j < fractions.length; j++) {
            assertEquals((in.lo()[j] + in.hi()[j]) / 2, (band.lo()[j] + band.hi()[j]) / 2, 1e-9);
            assertEquals((in.hi()[j] - in.lo()[j]) * (1 + 2.0 * d), band.hi()[j] - band.lo()[j], 1e-9);
        }
    }

    @Test
    void theBandEarlyInARunIsNotWidenedByErrorsInItsWarmup() {
        // errors of 0.3 at 0.5% of training (warmup), of 0.01 at 7% and later
        List<Run> runs = Fixtures.runs(300, 4, 0.0, 31, "alpha");
        Random rnd = new Random(32);
        List<Residuals> rs = new ArrayList<>();
        for (Run r : runs) {
            double[] fr = {0.005, 0.07, 0.5};
            double[] cr = {0.3 * rnd.nextGaussian(), 0.01 * rnd.nextGaussian(), 0.01 * rnd.nextGaussian()};
            rs.add(new Residuals(r, 0.01 * rnd.nextGaussian(), 0, fr, cr));
        }
        PredictionIntervals iv = IntervalFitter.fit(runs, rs, 0);
        Run r = runs.get(0);
        Prediction p = new Prediction(r.id(), 3.0, new double[] {1, 14, 100}, new double[] {6.0, 4.0, 3.0}, 0);
        PredictionIntervals.Band band = iv.bandAtFractions(r, p, new double[] {0.005, 0.07, 0.5}, 0.8);
        double warmup = band.hi()[0] - band.lo()[0];
        double early = band.hi()[1] - band.lo()[1];
        double later = band.hi()[2] - band.lo()[2];
        // 80% of N(0, σ²) spans 2.56 σ: 0.77 in warmup, 0.026 at 7% as at 50%
        assertEquals(2.563 * 0.3, warmup, 0.12);
        assertEquals(later, early, 0.006);
        assertTrue(early < 0.035, "band at 7% of training: " + early);
    }

    @Test
    void intervalsWrittenBeforeTheFinerEarlyBinsKeepTheirTenEvenBins() throws IOException {
        List<Run> runs = Fixtures.runs(100, 3, 0.0, 33, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0, 0.02, 0, 34), 0);
        PredictionIntervals.SourceCalibration now = iv.calibration("alpha");
        assertEquals(PredictionIntervals.CURVE_BIN_EDGES.length + 1, now.curveQuantiles().length);
        assertEquals(List.of(0, 2, 3, 4, 12), List.of(now.bin(0.005), now.bin(0.03), now.bin(0.07), now.bin(0.1),
                now.bin(1.0)));
        Path f = dir.resolve(PredictionIntervals.FILE);
        iv.save(f);
        ObjectNode tree = (ObjectNode) Json.MAPPER.readTree(f.toFile());
        tree.get("sources").forEach(c -> ((ObjectNode) c).remove("curve_bin_edges"));
        tree.remove("format_version"); // files from then had no format version
        Json.MAPPER.writeValue(f.toFile(), tree);
        PredictionIntervals.SourceCalibration before = PredictionIntervals.load(f).calibration("alpha");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
                before.curveBinEdges(), "migrated to the ten even bins they were calibrated in");
        assertEquals(List.of(0, 0, 1, 9, 9), List.of(before.bin(0.005), before.bin(0.07), before.bin(0.15),
                before.bin(0.95), before.bin(1.0)));
    }

    @Test
    void unknownSourcesUseThePooledCalibration() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(100, 3, 0.0, 10, "alpha"));
        runs.addAll(Fixtures.runs(5, 3, 0.0, 11, "tiny"));
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0, 0.02, 0, 12), 0);
        assertTrue(iv.sources().containsKey("alpha"));
        assertTrue(!iv.sources().containsKey("tiny"), "5 runs are too few for intervals of their own");
        assertEquals(iv.sources().get(PredictionIntervals.POOLED), iv.calibration("tiny"));
        assertEquals(iv.sources().get(PredictionIntervals.POOLED), iv.calibration("never-seen"));
    }

    @Test
    void savedIntervalsReloadToTheSameBounds() throws IOException {
        List<Run> runs = Fixtures.runs(100, 3, 0.0, 13, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0, 0.02, 0.01, 14), 1.5);
        Path f = dir.resolve(PredictionIntervals.FILE);
        iv.save(f);
        PredictionIntervals back = PredictionIntervals.load(f);
        Run r = runs.get(7);
        Prediction p = new Prediction(r.id(), 3.1, r.curve().steps(), r.curve().losses(), 0.004);
        assertEquals(iv.finalInterval(r, p, 0.9), back.finalInterval(r, p, 0.9));
        assertEquals(List.of(iv.band(r, p, 0.8).hi()[3]), List.of(back.band(r, p, 0.8).hi()[3]));
        IOException e = assertThrows(IOException.class, () -> PredictionIntervals.load(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("ncpl calibrate"), e.getMessage());
    }

    @Test
    void levelsOutsideZeroToOneAreRefused() {
        List<Run> runs = Fixtures.runs(50, 3, 0.0, 15, "alpha");
        PredictionIntervals iv = IntervalFitter.fit(runs, residuals(runs, 0, 0.02, 0, 16), 0);
        assertThrows(IllegalArgumentException.class, () -> iv.finalInterval(runs.get(0), 3.0, 0, 1.2));
        assertThrows(IllegalArgumentException.class, () -> iv.finalInterval(runs.get(0), 3.0, 0, 0));
    }

    @Test
    void sourcesNeverSeenAreWidenedByThePooledLawsLeaveOneSourceOutErrors() throws IOException {
        List<Run> training = new ArrayList<>(Fixtures.runs(60, 3, 0.0, 20, "alpha"));
        // two more sources: the same law shifted up and down
        for (String[] s : new String[][] {{"beta", "0.3"}, {"gamma", "-0.3"}}) {
            for (Run r : Fixtures.runs(60, 3, 0.0, 21, s[0])) {
                double shift = Double.parseDouble(s[1]);
                double[] losses = r.curve().losses().clone();
                for (int j = 0; j < losses.length; j++) {
                    losses[j] += shift;
                }
                training.add(new Run(r.id(), r.source(), r.split(), r.metric(), r.config(),
                        new dev.ncpl.runs.Curve(r.curve().steps(), losses)));
            }
        }
        PredictionIntervals.UnseenSources unseen = IntervalFitter.unseenSources(training, List.of("alpha", "beta", "gamma"), null);
        // each source left out is missed by its level against the mean of the other two: 0.45, 0.45 and 0
        assertEquals(0.45, unseen.medianErrors().get("beta"), 0.05);
        assertEquals(-0.45, unseen.medianErrors().get("gamma"), 0.05);
        assertEquals(0.0, unseen.medianErrors().get("alpha"), 0.05);
        double margin = unseen.margin(0.8);
        assertTrue(margin > 0.3 && margin < 0.5, "margin " + margin);
        PredictionIntervals iv = IntervalFitter.fit(training, residuals(training, 0, 0.02, 0, 22), 0).withUnseenSources(unseen);
        Run known = training.get(0);
        Run stranger = Fixtures.runs(1, 3, 0.0, 23, "never-seen").get(0);
        Interval k = iv.finalInterval(known, 3.0, 0, 0.8);
        Interval u = iv.finalInterval(stranger, 3.0, 0, 0.8);
        // the pooled calibration, plus the margin on both sides
        Interval pooled = IntervalFitter.fit(training, residuals(training, 0, 0.02, 0, 22), 0)
                .finalInterval(stranger, 3.0, 0, 0.8);
        assertEquals(pooled.lo() - margin, u.lo(), 1e-12);
        assertEquals(pooled.hi() + margin, u.hi(), 1e-12);
        assertTrue(k.width() < 0.1, "a known source keeps its own width: " + k);
        assertTrue(unseen.unseen(null) && !unseen.unseen("beta"), "a run that names no source is of one never seen");
        Prediction p = new Prediction(stranger.id(), 3.0, stranger.curve().steps(), stranger.curve().losses(), 0);
        PredictionIntervals.Band band = iv.band(stranger, p, 0.8);
        assertTrue(band.hi()[5] - band.lo()[5] > 2 * margin, "the band is widened too");
        // saved and reloaded, the widening stays; a file from before it was measured has none
        Path f = dir.resolve(PredictionIntervals.FILE);
        iv.save(f);
        assertEquals(u, PredictionIntervals.load(f).finalInterval(stranger, 3.0, 0, 0.8));
        IntervalFitter.fit(training, residuals(training, 0, 0.02, 0, 22), 0).save(f);
        assertEquals(null, PredictionIntervals.load(f).unseenSources());
        List<Run> oneSource = Fixtures.runs(30, 3, 0.0, 24, "delta");
        assertEquals(null, IntervalFitter.unseenSources(oneSource, List.of("delta"), null),
                "one source gives nothing to leave out");
        // a fine-tuning on one new source keeps the earlier widening, with the new source known
        PredictionIntervals.UnseenSources kept = IntervalFitter.unseenSources(oneSource,
                List.of("alpha", "beta", "delta", "gamma"), iv);
        assertEquals(List.of("alpha", "beta", "delta", "gamma"), kept.known());
        assertEquals(margin, kept.margin(0.8), 1e-12);
        assertTrue(!kept.unseen("delta") && kept.unseen("never-seen"));
    }

    @Test
    void aRunThatStopsEarlyIsCalibratedAtItsLastLoggedStep() {
        Run full = Fixtures.runs(1, 1, 0.0, 5, "alpha").get(0);
        Run cut = full.withCurve(full.curve().prefix(full.number("schedule.total_steps").orElseThrow() / 2));
        assertTrue(cut.stopsEarly() && !full.stopsEarly());
        // the curve right everywhere; the schedule's end predicted 0.4 below where the cut run stopped
        List<Prediction> preds = new ArrayList<>();
        for (Run r : List.of(full, cut)) {
            preds.add(new Prediction(r.id(), r.curve().finalLoss() - 0.01 - (r == cut ? 0.4 : 0), r.curve().steps(),
                    r.curve().losses()));
        }
        List<Residuals> rs = IntervalFitter.residuals(List.of(full, cut), preds);
        assertEquals(0.01, rs.get(0).finalResidual(), 1e-12, "a complete run: true − predicted final loss");
        assertEquals(0.0, rs.get(1).finalResidual(), 1e-12, "the cut run: against the curve at its last step");
        assertEquals(preds.get(0).finalLoss(), preds.get(0).finalLossAsLogged(full), 0.0, "the full run: at the end");
        assertTrue(preds.get(1).finalLossAsLogged(cut) > preds.get(1).finalLoss() + 0.4);
    }
}
