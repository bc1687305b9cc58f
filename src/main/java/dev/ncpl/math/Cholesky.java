package dev.ncpl.math;

/** Solves a symmetric positive-definite linear system by Cholesky factorization (small, dense, in place on a copy). */
public final class Cholesky {
    private Cholesky() {}

    /** x with a·x = b; throws if a is not positive definite. */
    public static double[] solve(double[][] a, double[] b) {
        return solveFactored(factor(a), b);
    }

    /** The lower-triangular l with l·lᵀ = a; throws if a is not positive definite. */
    public static double[][] factor(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] li = l[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException("matrix is not positive definite (pivot " + i + ")");
                    }
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
        }
        return l;
    }

    /** x with l·lᵀ·x = b, for the factor {@code l} of {@link #factor}. */
    public static double[] solveFactored(double[][] l, double[] b) {
        int n = b.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** (l·lᵀ)⁻¹ for the factor {@code l} of {@link #factor}, as a full symmetric matrix. */
    public static double[][] inverseFactored(double[][] l) {
        int n = l.length;
        // m = l⁻¹, lower triangular, column by column
        double[][] m = new double[n][n];
        for (int j = 0; j < n; j++) {
            m[j][j] = 1 / l[j][j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                for (int k = j; k < i; k++) {
                    s -= l[i][k] * m[k][j];
                }
                m[i][j] = s / l[i][i];
            }
        }
        // (l lᵀ)⁻¹ = mᵀ m
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) {
                    s += m[k][i] * m[k][j];
                }
                inv[i][j] = s;
                inv[j][i] = s;
            }
        }
        return inv;
    }
}
