package dev.ncpl.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gradient-boosted trees on a target with an interaction and a step that no linear model fits. */
class BoostedTreesTest {
    private static final BoostedTrees.Settings SETTINGS = new BoostedTrees.Settings(150, 4, 0.1, 10, 1.0, 32);

    private static double target(double[] x) {
        return (x[0] > 0.5 ? 1.0 : -1.0) * x[1] + 0.3 * x[2] * x[2];
    }

    private static List<double[]> inputs(int n, long seed) {
        Random rnd = new Random(seed);
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            xs.add(new double[] {rnd.nextDouble(), rnd.nextDouble() * 2 - 1, rnd.nextDouble() * 2 - 1, rnd.nextDouble()});
        }
        return xs;
    }

    @Test
    void fitsAnInteractionAndIsDeterministic(@TempDir Path dir) throws IOException {
        List<double[]> xs = inputs(3000, 1);
        double[] y = xs.stream().mapToDouble(BoostedTreesTest::target).toArray();
        double[] w = new double[y.length];
        java.util.Arrays.fill(w, 1);
        BoostedTrees trees = BoostedTrees.fit(xs, y, w, SETTINGS);
        // no linear model can fit the sign-times-slope interaction: the best is close to predicting the mean
        double mean = java.util.Arrays.stream(y).average().orElseThrow();
        double err = 0;
        double errMean = 0;
        for (double[] x : inputs(500, 2)) {
            err += Math.abs(trees.predict(x) - target(x));
            errMean += Math.abs(mean - target(x));
        }
        assertTrue(err < 0.25 * errMean, "trees MAE " + err / 500 + " vs the mean's " + errMean / 500);
        // the same data give the same trees, and saved trees predict the same numbers
        BoostedTrees again = BoostedTrees.fit(xs, y, w, SETTINGS);
        double[] probe = {0.7, 0.2, -0.4, 0.5};
        assertEquals(trees.predict(probe), again.predict(probe), 0);
        Path file = dir.resolve("trees.json");
        Json.writePretty(file, trees);
        assertEquals(trees.predict(probe), Json.read(file, BoostedTrees.class).predict(probe), 0);
    }

    /** The packed walk (one forest array, children side by side) sums exactly what the trees as saved sum. */
    @Test
    void packedPredictionsAreTheTreesOwnSumsOneByOneAndTogether() {
        List<double[]> xs = inputs(2000, 5);
        double[] y = xs.stream().mapToDouble(BoostedTreesTest::target).toArray();
        double[] w = new double[y.length];
        java.util.Arrays.fill(w, 1);
        BoostedTrees trees = BoostedTrees.fit(xs, y, w, SETTINGS);
        List<double[]> probes = new ArrayList<>(inputs(300, 6));
        probes.add(new double[] {Double.NaN, 0.3, Double.NaN, 0.1});
        double[] together = trees.predictAll(probes.toArray(new double[0][]));
        for (int k = 0; k < probes.size(); k++) {
            double[] x = probes.get(k);
            double sum = trees.base();
            for (BoostedTrees.Tree t : trees.trees()) {
                sum += t.predict(x);
            }
            assertEquals(sum, trees.predict(x), 0, "probe " + k);
            assertEquals(sum, together[k], 0, "probe " + k + " among the others");
        }
    }

    @Test
    void holdsItsEdgeValueBeyondTheTrainingRange() {
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            xs.add(new double[] {i / 400.0});
        }
        double[] y = xs.stream().mapToDouble(x -> 2 * x[0]).toArray();
        double[] w = new double[y.length];
        java.util.Arrays.fill(w, 1);
        BoostedTrees trees = BoostedTrees.fit(xs, y, w, SETTINGS);
        double edge = trees.predict(new double[] {1.0});
        assertEquals(edge, trees.predict(new double[] {50.0}), 0);
        assertTrue(edge > 1.8, "edge " + edge);
        assertEquals(trees.predict(new double[] {0}), trees.predict(new double[] {-3}), 0);
    }

    @Test
    void rowWeightsCount() {
        // two groups at the same input: the weighted mean is what a leaf must predict
        List<double[]> xs = new ArrayList<>();
        double[] y = new double[200];
        double[] w = new double[200];
        for (int i = 0; i < 200; i++) {
            xs.add(new double[] {1.0});
            y[i] = i < 100 ? 0 : 1;
            w[i] = i < 100 ? 1 : 3;
        }
        BoostedTrees trees = BoostedTrees.fit(xs, y, w, SETTINGS);
        assertEquals(0.75, trees.predict(new double[] {1.0}), 1e-9);
    }

    /**
     * Targets with a skewed noise (a fifth of them 1 above the rest): squared error follows their mean,
     * absolute error their median, which is where most of them are.
     */
    @Test
    void absoluteErrorFollowsTheMedianAndSquaredErrorTheMean() {
        List<double[]> xs = inputs(3000, 3);
        Random noise = new Random(4);
        double[] y = xs.stream().mapToDouble(x -> target(x) + (noise.nextDouble() < 0.2 ? 1.0 : 0.0)).toArray();
        double[] w = new double[y.length];
        java.util.Arrays.fill(w, 1);
        BoostedTrees median = BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE);
        BoostedTrees mean = BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.SQUARED);
        double medianOffset = 0;
        double meanOffset = 0;
        List<double[]> probes = inputs(500, 5);
        for (double[] x : probes) {
            medianOffset += (median.predict(x) - target(x)) / probes.size();
            meanOffset += (mean.predict(x) - target(x)) / probes.size();
        }
        assertEquals(0.0, medianOffset, 0.05, "the median of the noise is 0");
        assertEquals(0.2, meanOffset, 0.05, "the mean of the noise is 0.2");
        assertEquals(median.predict(probes.get(0)),
                BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE).predict(probes.get(0)), 0);
    }

    @Test
    void absoluteErrorLeavesTakeTheWeightedMedian() {
        // at one input, weight 1 at 0, 1 at 5 and 3 at 1: the weighted median is 1 (the mean would be 1.6)
        List<double[]> xs = new ArrayList<>();
        double[] y = new double[300];
        double[] w = new double[300];
        for (int i = 0; i < 300; i++) {
            xs.add(new double[] {1.0});
            y[i] = i < 100 ? 0 : i < 200 ? 5 : 1;
            w[i] = i < 200 ? 1 : 3;
        }
        BoostedTrees trees = BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE);
        assertEquals(1.0, trees.predict(new double[] {1.0}), 1e-9);
    }

    /**
     * Every other tree, from the first, is held to the inputs marked pooled, and the trees between may split on
     * any: on a target whose largest effect is a group's (a one-hot), the free trees split on the group and the
     * held ones never do, yet still learn the input's effect, which is the same in every group.
     */
    @Test
    void pooledTreesSplitOnlyOnThePooledInputs() {
        Random rnd = new Random(6);
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            xs.add(new double[] {i % 2, rnd.nextDouble()});
        }
        double[] y = xs.stream().mapToDouble(x -> 3 * x[0] + (x[1] > 0.5 ? 1 : 0)).toArray();
        double[] w = new double[y.length];
        java.util.Arrays.fill(w, 1);
        boolean[] inputOnly = {false, true};
        BoostedTrees pooled = BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE, inputOnly);
        for (int t = 0; t < pooled.trees().size(); t++) {
            boolean splitsOnGroup = java.util.Arrays.stream(pooled.trees().get(t).feature()).anyMatch(f -> f == 0);
            assertTrue(t % 2 == 1 || !splitsOnGroup, "tree " + t + " is held to the input and splits on the group");
        }
        assertTrue(java.util.Arrays.stream(pooled.trees().get(1).feature()).anyMatch(f -> f == 0),
                "the trees between split on the group");
        double step = pooled.trees().get(0).predict(new double[] {0, 0.9}) - pooled.trees().get(0).predict(new double[] {0, 0.1});
        assertTrue(step > 0, "the first tree, held to the input, learns its step: " + step);
        for (double[] x : List.of(new double[] {0, 0.2}, new double[] {0, 0.8}, new double[] {1, 0.2}, new double[] {1, 0.8})) {
            assertEquals(3 * x[0] + (x[1] > 0.5 ? 1 : 0), pooled.predict(x), 0.05, java.util.Arrays.toString(x));
        }
        assertEquals(pooled.predict(new double[] {1, 0.7}),
                BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE, inputOnly).predict(new double[] {1, 0.7}), 0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> BoostedTrees.fit(xs, y, w, SETTINGS, BoostedTrees.Loss.ABSOLUTE, new boolean[] {true}));
    }
}
