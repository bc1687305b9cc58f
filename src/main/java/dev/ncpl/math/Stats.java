package dev.ncpl.math;

import java.util.Arrays;

/**
 * The summary statistics used across ncpl, in one place: mean, sample standard deviation, median, quantiles, dot
 * product.
 */
public final class Stats {
    private Stats() {}

    /** The mean of {@code v}; NaN when it is empty. */
    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** The sample standard deviation of {@code v} (n − 1); 0 for fewer than two values. */
    public static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    /** The median of {@code values} (the mean of the two middle ones for an even count); NaN when empty. */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The value at probability {@code p} of {@code values} (in any order), linear between neighbouring values. */
    public static double quantile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        double x = p * (v.length - 1);
        int i = (int) Math.floor(x);
        if (i >= v.length - 1) {
            return v[v.length - 1];
        }
        double w = x - i;
        return v[i] * (1 - w) + v[i + 1] * w;
    }

    /** Σ a[i]·b[i]. */
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
