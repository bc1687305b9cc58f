package dev.ncpl.learn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.util.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GaussianProcessTest {
    /** y = sin(2·x₀) + 0.5·x₁² + noise; x₂ is irrelevant, x₃ constant. */
    private static double truth(double[] x) {
        return Math.sin(2 * x[0]) + 0.5 * x[1] * x[1];
    }

    private static List<double[]> points(int n, Random rnd) {
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            xs.add(new double[] {rnd.nextDouble() * 3 - 1.5, rnd.nextDouble() * 2 - 1, rnd.nextDouble() * 10, 4.0});
        }
        return xs;
    }

    @Test
    void learnsASmoothFunctionAndWhichInputsMatter() {
        Random rnd = new Random(1);
        List<double[]> xs = points(300, rnd);
        double[] y = xs.stream().mapToDouble(x -> truth(x) + 0.02 * rnd.nextGaussian()).toArray();
        GaussianProcess gp = GaussianProcess.fit(xs, y, 3);

        List<double[]> test = points(200, new Random(2));
        double err = 0;
        double spread = 0;
        double meanTruth = test.stream().mapToDouble(GaussianProcessTest::truth).average().orElseThrow();
        for (double[] x : test) {
            err += Math.abs(gp.predict(x) - truth(x)) / test.size();
            spread += Math.abs(truth(x) - meanTruth) / test.size();
        }
        assertTrue(err < 0.03, "held-out MAE " + err + " (the function's own spread " + spread + ")");
        assertEquals(0.02, gp.noise(), 0.01, "the noise it was given");
        double[] ls = gp.lengthScales();
        assertTrue(ls[2] > 5 * ls[0] && ls[2] > 5 * ls[1], "an irrelevant input gets a long length scale: "
                + java.util.Arrays.toString(ls));
        // a constant input neither breaks the fit nor moves a prediction; a missing (NaN) input reads as the mean
        double[] x = test.get(0).clone();
        double at = gp.predict(x);
        x[3] = 100;
        assertEquals(at, gp.predict(x), 1e-12);
        x[2] = Double.NaN;
        double[] atMean = test.get(0).clone();
        atMean[2] = gp.inputMean()[2];
        assertEquals(gp.predict(atMean), gp.predict(x), 1e-12);
    }

    @Test
    void deterministicInItsSeedAndReloadsExactly() throws Exception {
        Random rnd = new Random(5);
        List<double[]> xs = points(120, rnd);
        double[] y = xs.stream().mapToDouble(x -> truth(x) + 0.05 * rnd.nextGaussian()).toArray();
        GaussianProcess a = GaussianProcess.fit(xs, y, 9);
        GaussianProcess b = GaussianProcess.fit(xs, y, 9);
        assertArrayEquals(a.lengthScales(), b.lengthScales(), 0.0);
        assertEquals(Json.MAPPER.writeValueAsString(a), Json.MAPPER.writeValueAsString(b));

        GaussianProcess reloaded = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(a), GaussianProcess.class);
        for (double[] x : points(50, new Random(6))) {
            assertEquals(a.predict(x), reloaded.predict(x), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> a.predict(new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> GaussianProcess.fit(List.of(new double[] {1}), new double[] {1}, 0));
    }

    /**
     * Two targets over the same inputs share one kernel and are each recovered; a process of one target is
     * saved with plain numbers (as before processes carried several) and a multi-target one reloads exactly.
     */
    @Test
    void carriesSeveralTargetsOnOneKernel() throws Exception {
        Random rnd = new Random(11);
        List<double[]> xs = points(250, rnd);
        double[][] ys = new double[xs.size()][];
        for (int i = 0; i < ys.length; i++) {
            double t = truth(xs.get(i));
            ys[i] = new double[] {t + 0.02 * rnd.nextGaussian(), 3 - 0.5 * t + 0.02 * rnd.nextGaussian()};
        }
        GaussianProcess gp = GaussianProcess.fitAll(xs, ys, 4);
        assertEquals(2, gp.targets());
        double err0 = 0;
        double err1 = 0;
        List<double[]> test = points(150, new Random(12));
        for (double[] x : test) {
            double[] both = gp.predictAll(x);
            err0 += Math.abs(both[0] - truth(x)) / test.size();
            err1 += Math.abs(both[1] - (3 - 0.5 * truth(x))) / test.size();
            assertEquals(both[0], gp.predict(x), 0.0, "predict reads the first target");
        }
        assertTrue(err0 < 0.04 && err1 < 0.03, "held-out MAE of each target: " + err0 + ", " + err1);
        GaussianProcess reloaded = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(gp), GaussianProcess.class);
        for (double[] x : test) {
            assertArrayEquals(gp.predictAll(x), reloaded.predictAll(x), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> GaussianProcess.fitAll(xs.subList(0, 2),
                new double[][] {{1, 2}, {1}}, 0), "rows of different lengths");

        double[] first = new double[ys.length];
        for (int i = 0; i < ys.length; i++) {
            first[i] = ys[i][0];
        }
        GaussianProcess single = GaussianProcess.fit(xs, first, 4);
        var saved = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(single));
        assertTrue(saved.get("target_mean").isNumber() && saved.get("alpha").get(0).isNumber(),
                "one target is saved as plain numbers");
        var multi = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(gp));
        assertTrue(multi.get("target_mean").isArray() && multi.get("alpha").get(0).isArray());
    }
}
