package dev.ncpl.predict;

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
        assertArrayEquals(a.alpha(), b.alpha(), 0.0);

        GaussianProcess reloaded = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(a), GaussianProcess.class);
        for (double[] x : points(50, new Random(6))) {
            assertEquals(a.predict(x), reloaded.predict(x), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> a.predict(new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> GaussianProcess.fit(List.of(new double[] {1}), new double[] {1}, 0));
    }
}
