package dev.ncpl.math;

/**
 * A small limited-memory BFGS minimiser (two-loop recursion, Armijo backtracking line search) for
 * smooth objectives of a few variables, as used to fit scaling laws.
 */
public final class Lbfgs {
    /** An objective that writes its gradient into {@code grad} and returns its value. */
    @FunctionalInterface
    public interface Objective {
        double evaluate(double[] x, double[] grad);
    }

    private final int memory;
    private final int maxIterations;
    private final double gradTolerance;

    public Lbfgs(int memory, int maxIterations, double gradTolerance) {
        this.memory = memory;
        this.maxIterations = maxIterations;
        this.gradTolerance = gradTolerance;
    }

    /** Minimises {@code f} from {@code x0}; returns the best point found (x0 is not modified). */
    public double[] minimize(Objective f, double[] x0) {
        int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double fx = f.evaluate(x, g);
        double[][] s = new double[memory][n];
        double[][] y = new double[memory][n];
        double[] rho = new double[memory];
        int stored = 0;
        int head = 0;
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        double[] alphaBuf = new double[memory];
        for (int iter = 0; iter < maxIterations && Double.isFinite(fx); iter++) {
            if (normInf(g) < gradTolerance) {
                break;
            }
            double[] dir = g.clone();
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(head - 1 - k, memory);
                alphaBuf[i] = rho[i] * Stats.dot(s[i], dir);
                axpy(-alphaBuf[i], y[i], dir);
            }
            if (stored > 0) {
                int last = Math.floorMod(head - 1, memory);
                double gamma = Stats.dot(s[last], y[last]) / Stats.dot(y[last], y[last]);
                scale(dir, gamma);
            } else {
                scale(dir, 1.0 / Math.max(1.0, normInf(g)));
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(head - 1 - k, memory);
                double beta = rho[i] * Stats.dot(y[i], dir);
                axpy(alphaBuf[i] - beta, s[i], dir);
            }
            scale(dir, -1.0);
            double slope = Stats.dot(g, dir);
            if (!(slope < 0)) {
                dir = g.clone();
                scale(dir, -1.0 / Math.max(1.0, normInf(g)));
                slope = Stats.dot(g, dir);
                stored = 0;
            }
            double step = 1.0;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 40; ls++) {
                for (int j = 0; j < n; j++) {
                    xNew[j] = x[j] + step * dir[j];
                }
                fNew = f.evaluate(xNew, gNew);
                if (Double.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                break;
            }
            int i = head;
            double sy = 0;
            for (int j = 0; j < n; j++) {
                s[i][j] = xNew[j] - x[j];
                y[i][j] = gNew[j] - g[j];
                sy += s[i][j] * y[i][j];
            }
            double fOld = fx;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            if (sy > 1e-18) {
                rho[i] = 1.0 / sy;
                head = (head + 1) % memory;
                stored = Math.min(stored + 1, memory);
            }
            if (Math.abs(fOld - fx) <= 1e-15 * Math.max(1.0, Math.abs(fx))) {
                break;
            }
        }
        return x;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    private static double normInf(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
