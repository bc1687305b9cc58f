package dev.ncpl.curve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.math.Cholesky;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.FixtureSplit;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The observed-prefix model on generated runs whose curves follow a known law. */
class PrefixConditionerTest {
    @Test
    void learnsToFinishCurvesFromTheirBeginning(@TempDir Path dir) throws IOException {
        FixtureSplit data = FixtureSplit.of(Fixtures.runs(300, 4, 0.002, 3, "alpha"));
        List<Run> train = data.train();
        List<Run> held = data.held();
        dev.ncpl.baseline.Baseline baseline = data.baseline();
        dev.ncpl.baseline.ChinchillaLaw law = baseline.law("alpha");
        PrefixConditioner c = PrefixConditioner.fit(train, baseline, 1, 1, null);
        assertTrue(c.laws().containsKey("alpha") && c.laws().containsKey(PrefixConditioner.POOLED));
        double errModel = 0;
        double errHold = 0;
        for (Run r : held) {
            Curve curve = r.curve();
            int o = curve.size() / 3;
            double truth = curve.finalLoss();
            errModel += Math.abs(c.predict(r, law, curve.step(o), curve.loss(o), curve.lastStep(), Double.NaN) - truth);
            errHold += Math.abs(curve.loss(o) - truth);
        }
        errModel /= held.size();
        errHold /= held.size();
        assertTrue(errModel < 0.25 * errHold, "model " + errModel + " vs holding the last point " + errHold);
        assertTrue(errModel < 0.01, "model MAE " + errModel);
        // saved and read back, it predicts the same numbers
        Path file = dir.resolve(PrefixConditioner.FILE);
        c.save(file);
        PrefixConditioner again = PrefixConditioner.load(file);
        Run r = held.get(0);
        assertEquals(c.predict(r, law, r.curve().step(2), r.curve().loss(2), r.curve().lastStep(), Double.NaN),
                again.predict(r, law, r.curve().step(2), r.curve().loss(2), r.curve().lastStep(), Double.NaN), 0);
        // an unseen source falls back to the pooled law
        Run other = new Run("o", "beta", "", "loss", r.config(), r.curve());
        assertTrue(Double.isFinite(c.predict(other, law, r.curve().step(2), r.curve().loss(2), r.curve().lastStep(), Double.NaN)));
        IOException e = assertThrows(IOException.class, () -> PrefixConditioner.load(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("ncpl prefix"), e.getMessage());
    }

    @Test
    void finishesTheCurveOfAModelLargerThanAnyInTraining() {
        // trained on the smallest shape only, asked about a model 40x larger with 40x its largest token budget
        List<Run> small = Fixtures.runs(200, 1, 0.002, 5, "alpha");
        dev.ncpl.baseline.Baseline baseline = dev.ncpl.baseline.Baseline.fit(small);
        PrefixConditioner c = PrefixConditioner.fit(small, baseline, 2, 1, null);
        Run big = Fixtures.run("big", "alpha", "", 20, 1280, 3e-3, 80, 0, new java.util.Random(4));
        Curve curve = big.curve();
        int o = 3;
        double predicted = c.predict(big, baseline.law("alpha"), curve.step(o), curve.loss(o), curve.lastStep(), Double.NaN);
        double truth = curve.finalLoss();
        // the loss keeps falling, and the Chinchilla drop carries the size trend the small models cannot teach
        assertTrue(predicted < curve.loss(o), predicted + " from " + curve.loss(o));
        // it recovers most of the drop that remains after the observed point
        assertTrue(Math.abs(predicted - truth) < 0.35 * (curve.loss(o) - truth), predicted + " vs " + truth
                + ", observed " + curve.loss(o));
    }

    @Test
    void itsTreesLearnHowFarToTrustTheNetworksPrediction(@TempDir Path dir) throws IOException {
        // noisy curves: the last observed point says little about the final loss; a network that predicts the
        // final loss to within 0.002 says more, and the trees must learn to use it
        FixtureSplit data = FixtureSplit.of(Fixtures.runs(400, 4, 0.03, 7, "alpha"));
        List<Run> train = data.train();
        List<Run> held = data.held();
        dev.ncpl.baseline.Baseline baseline = data.baseline();
        dev.ncpl.baseline.ChinchillaLaw law = baseline.law("alpha");
        java.util.function.ToDoubleFunction<Run> network = r -> r.curve().finalLoss()
                + 0.002 * Math.sin(r.id().hashCode());
        PrefixConditioner ridge = PrefixConditioner.fit(train, baseline, 1, 1, null);
        PrefixConditioner trees = PrefixConditioner.fit(train, baseline, 1, 1, network);
        assertTrue(trees.laws().get("alpha").trees() != null && trees.laws().get(PrefixConditioner.POOLED).trees() == null);
        double errRidge = 0;
        double errTrees = 0;
        for (Run r : held) {
            Curve curve = r.curve();
            int o = curve.size() / 3;
            double truth = curve.finalLoss();
            errRidge += Math.abs(ridge.predict(r, law, curve.step(o), curve.loss(o), curve.lastStep(), Double.NaN) - truth);
            errTrees += Math.abs(trees.predict(r, law, curve.step(o), curve.loss(o), curve.lastStep(),
                    network.applyAsDouble(r)) - truth);
        }
        assertTrue(errTrees < 0.5 * errRidge, "with trees " + errTrees / held.size() + " vs ridge " + errRidge / held.size());
        Path file = dir.resolve(PrefixConditioner.FILE);
        trees.save(file);
        Run r = held.get(0);
        assertEquals(trees.predict(r, law, r.curve().step(2), r.curve().loss(2), r.curve().lastStep(), 3.0),
                PrefixConditioner.load(file).predict(r, law, r.curve().step(2), r.curve().loss(2), r.curve().lastStep(), 3.0), 0);
    }

    @Test
    void membersFittedOnOtherCutsAverageTheirPredictedDrops(@TempDir Path dir) throws IOException {
        FixtureSplit data = FixtureSplit.of(Fixtures.runs(200, 3, 0.01, 11, "alpha"));
        java.util.function.ToDoubleFunction<Run> network = r -> r.curve().finalLoss() + 0.01;
        PrefixConditioner bag = PrefixConditioner.fit(data.train(), data.baseline(), 5, 3, network);
        assertEquals(3, bag.members().size());
        dev.ncpl.baseline.ChinchillaLaw law = data.baseline().law("alpha");
        Run r = data.held().get(0);
        Curve c = r.curve();
        double[] single = new double[3];
        for (int k = 0; k < 3; k++) {
            PrefixConditioner one = new PrefixConditioner(List.of(bag.members().get(k)), bag.clampMargin(), bag.minCut());
            single[k] = one.predict(r, law, c.step(1), c.loss(1), c.lastStep(), 3.0);
        }
        // other seeds cut the curves elsewhere, so the members differ, and the bag predicts their geometric mean
        assertTrue(single[0] != single[1] && single[1] != single[2], java.util.Arrays.toString(single));
        double geometric = Math.exp((Math.log(single[0]) + Math.log(single[1]) + Math.log(single[2])) / 3);
        assertEquals(geometric, bag.predict(r, law, c.step(1), c.loss(1), c.lastStep(), 3.0), 1e-12);
        // the first member is the single conditioner of the same seed
        PrefixConditioner first = PrefixConditioner.fit(data.train(), data.baseline(), 5, 1, network);
        assertEquals(single[0], first.predict(r, law, c.step(1), c.loss(1), c.lastStep(), 3.0), 1e-12);
        // a conditioner saved before members existed ({"laws": …}) still loads, as one member
        Path legacy = dir.resolve("legacy.json");
        java.nio.file.Files.writeString(legacy, dev.ncpl.util.Json.MAPPER.writeValueAsString(
                java.util.Map.of("laws", first.laws())));
        assertEquals(single[0], PrefixConditioner.load(legacy).predict(r, law, c.step(1), c.loss(1), c.lastStep(), 3.0), 1e-12);
    }

    @Test
    void lastObservedSkipsStepZeroAndTheFinalPoint() {
        Curve c = new Curve(new double[] {0, 100, 200, 300}, new double[] {10, 4, 3, 2.5});
        assertEquals(-1, PrefixConditioner.lastObserved(c, 50));
        assertEquals(1, PrefixConditioner.lastObserved(c, 150));
        assertEquals(2, PrefixConditioner.lastObserved(c, 1000));
    }

    @Test
    void choleskySolvesASymmetricSystem() {
        double[][] a = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
        double[] x = Cholesky.solve(a, new double[] {1, 2, 3});
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) {
                s += a[i][j] * x[j];
            }
            assertEquals(new double[] {1, 2, 3}[i], s, 1e-12);
        }
        assertThrows(IllegalArgumentException.class, () -> Cholesky.solve(new double[][] {{1, 2}, {2, 1}}, new double[2]));
    }
}
