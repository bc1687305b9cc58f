package dev.ncpl.baseline;

import dev.ncpl.math.Lbfgs;
import java.util.ArrayList;
import java.util.List;

/**
 * The usual way to finish a curve from its beginning: fit L(t) = E + A·t^(−a) by least squares to the
 * observed points, leaving out the first {@value #SKIP_FRACTION} of training as the Hitchhiker's guide
 * to scaling-law estimation advises, and extrapolate. With fewer than three usable points the curve
 * is held at the last observed loss.
 *
 * @param e asymptote E
 * @param a scale A
 * @param exponent a
 */
public record PowerLawCurve(double e, double a, double exponent) {
    /** Fraction of training left out of the fit. */
    public static final double SKIP_FRACTION = 0.1;

    /** Loss predicted at {@code step}. */
    public double at(double step) {
        return e + a * Math.pow(Math.max(step, 1), -exponent);
    }

    /**
     * Fits the observed points ({@code steps}, {@code losses}) of a run of {@code totalSteps} steps.
     * Points at or before {@link #SKIP_FRACTION} of training are not used.
     */
    public static PowerLawCurve fit(double[] steps, double[] losses, double totalSteps) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] > SKIP_FRACTION * totalSteps && steps[i] > 0) {
                pts.add(new double[] {steps[i], losses[i]});
            }
        }
        if (pts.size() < 3) {
            double last = losses.length == 0 ? Double.NaN : losses[losses.length - 1];
            return new PowerLawCurve(last, 0, 0);
        }
        double minLoss = pts.stream().mapToDouble(p -> p[1]).min().orElseThrow();
        Lbfgs.Objective sse = (x, g) -> {
            // x = (E, ln A, ln a)
            double aa = Math.exp(x[1]);
            double ex = Math.exp(x[2]);
            double f = 0;
            g[0] = 0;
            g[1] = 0;
            g[2] = 0;
            for (double[] p : pts) {
                double lt = Math.log(p[0]);
                double pw = Math.exp(-ex * lt);
                double r = x[0] + aa * pw - p[1];
                f += r * r;
                g[0] += 2 * r;
                g[1] += 2 * r * aa * pw;
                g[2] += 2 * r * aa * pw * (-lt) * ex;
            }
            return f;
        };
        Lbfgs lbfgs = new Lbfgs(8, 500, 1e-12);
        double bestF = Double.POSITIVE_INFINITY;
        double[] best = null;
        for (double eFrac : new double[] {0.5, 0.8, 0.95}) {
            for (double ex : new double[] {0.1, 0.3, 0.6, 1.0}) {
                double e0 = eFrac * minLoss;
                double lnA = Math.log(Math.max(1e-6, (pts.get(0)[1] - e0))) + ex * Math.log(pts.get(0)[0]);
                double[] x = lbfgs.minimize(sse, new double[] {e0, lnA, Math.log(ex)});
                double f = sse.evaluate(x, new double[3]);
                if (Double.isFinite(f) && f < bestF) {
                    bestF = f;
                    best = x;
                }
            }
        }
        if (best == null) {
            return new PowerLawCurve(pts.get(pts.size() - 1)[1], 0, 0);
        }
        return new PowerLawCurve(best[0], Math.exp(best[1]), Math.exp(best[2]));
    }
}
