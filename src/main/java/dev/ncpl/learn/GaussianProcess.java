package dev.ncpl.learn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.math.Cholesky;
import dev.ncpl.math.Lbfgs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Gaussian-process regression with a squared-exponential kernel that has one length scale per input
 * (automatic relevance determination): a smooth interpolator of a few thousand points whose
 * smoothness along each input is learnt from the data. Inputs are standardized with the training
 * inputs' mean and standard deviation, the target is centred on its mean, and the length scales,
 * the signal and the noise are chosen by the marginal likelihood (L-BFGS with the analytic gradient)
 * on a seeded subsample of at most {@value #HYPER_RUNS} points; the posterior mean then conditions
 * on every training point. Why: a residual over a scaling law is a smooth function of a run's
 * scale and hyperparameters, and a GP follows it between and a little beyond the points it saw,
 * where trees stay flat (see {@code ResidualModels}).
 *
 * <p>A process may carry several targets over the same inputs (a loss curve at several shares of
 * training, {@code CurveGp}): they share the kernel, its hyperparameters chosen on their joint
 * likelihood, so one pass over the training points predicts them all.
 */
public final class GaussianProcess {
    /** Points the hyperparameters are chosen on (the marginal likelihood costs their cube per step). */
    public static final int HYPER_RUNS = 600;
    /** Bound on |log| of every hyperparameter, which keeps the kernel matrix finite and well conditioned. */
    private static final double LOG_BOUND = 8;

    private final double[] inputMean;
    private final double[] inputScale;
    private final double[] lengthScales;
    private final double signal;
    private final double noise;
    private final double[] targetMean;
    private final double[][] points;
    /** alpha[i][c]: the weight of point i's kernel value in target c's posterior mean. */
    private final double[][] alpha;
    /** 1/ℓ² of each input, worked out once: every prediction reads it for every training point. */
    private final double[] inverseSquaredLengths;

    /**
     * A fitted process.
     *
     * @param points the standardized training inputs
     * @param targetMean the mean of each target over the training points
     * @param alpha per point, the weights of its kernel value in each target's posterior mean, (K +
     *     noise²·I)⁻¹·(y − mean); a process of one target is saved with a plain number per point and a plain
     *     target mean, which read back as one-element arrays
     */
    @JsonCreator
    public GaussianProcess(@JsonProperty("input_mean") double[] inputMean,
                           @JsonProperty("input_scale") double[] inputScale,
                           @JsonProperty("length_scales") double[] lengthScales,
                           @JsonProperty("signal") double signal,
                           @JsonProperty("noise") double noise,
                           @JsonProperty("target_mean") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                           double[] targetMean,
                           @JsonProperty("points") double[][] points,
                           @JsonProperty("alpha") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                           double[][] alpha) {
        int d = inputMean.length;
        if (inputScale.length != d || lengthScales.length != d || points.length != alpha.length
                || targetMean.length == 0) {
            throw new IllegalArgumentException("Gaussian process: " + d + " inputs but " + inputScale.length
                    + " scales and " + lengthScales.length + " length scales; " + points.length + " points but "
                    + alpha.length + " weights; " + targetMean.length + " targets");
        }
        for (double[] p : points) {
            if (p.length != d) {
                throw new IllegalArgumentException("Gaussian process: a point has " + p.length + " inputs, not " + d);
            }
        }
        for (double[] a : alpha) {
            if (a.length != targetMean.length) {
                throw new IllegalArgumentException("Gaussian process: " + targetMean.length + " targets but a point has "
                        + a.length + " weights");
            }
        }
        this.inputMean = inputMean;
        this.inputScale = inputScale;
        this.lengthScales = lengthScales;
        this.signal = signal;
        this.noise = noise;
        this.targetMean = targetMean;
        this.points = points;
        this.alpha = alpha;
        this.inverseSquaredLengths = inverseSquares(lengthScales);
    }

    @JsonProperty("input_mean")
    public double[] inputMean() {
        return inputMean;
    }

    /** Standard deviation of each input over the training points; 0 for an input that never varied (ignored). */
    @JsonProperty("input_scale")
    public double[] inputScale() {
        return inputScale;
    }

    /** Length scale of each input, in standard deviations of that input over the training points. */
    @JsonProperty("length_scales")
    public double[] lengthScales() {
        return lengthScales;
    }

    /** Standard deviation of the function the process models. */
    @JsonProperty("signal")
    public double signal() {
        return signal;
    }

    /** Standard deviation of the noise on each observation. */
    @JsonProperty("noise")
    public double noise() {
        return noise;
    }

    /** How many targets the process predicts. */
    public int targets() {
        return targetMean.length;
    }

    /** The target mean: a number for a process of one target, else one per target (as saved). */
    @JsonProperty("target_mean")
    Object targetMeanJson() {
        return targetMean.length == 1 ? targetMean[0] : targetMean;
    }

    @JsonProperty("points")
    public double[][] points() {
        return points;
    }

    /** The weights: one number per point for a process of one target, else one array per point (as saved). */
    @JsonProperty("alpha")
    Object alphaJson() {
        if (targetMean.length > 1) {
            return alpha;
        }
        double[] flat = new double[alpha.length];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = alpha[i][0];
        }
        return flat;
    }

    /** The posterior mean of the (first) target at {@code x}; see {@link #predictAll}. */
    public double predict(double[] x) {
        return predictAll(x)[0];
    }

    /**
     * The posterior mean of every target at {@code x} (raw, unstandardized inputs; a NaN input reads as its
     * training mean).
     */
    public double[] predictAll(double[] x) {
        if (x.length != inputMean.length) {
            throw new IllegalArgumentException("Gaussian process reads " + inputMean.length + " inputs, not " + x.length);
        }
        double[] z = standardize(x, inputMean, inputScale);
        int m = targetMean.length;
        double[] s = new double[m];
        for (int i = 0; i < points.length; i++) {
            double k = Math.exp(-0.5 * scaledDistance(z, points[i], inverseSquaredLengths));
            double[] a = alpha[i];
            for (int c = 0; c < m; c++) {
                s[c] += a[c] * k;
            }
        }
        double s2 = signal * signal;
        for (int c = 0; c < m; c++) {
            s[c] = targetMean[c] + s2 * s[c];
        }
        return s;
    }

    /**
     * Fits a process to targets {@code y} at inputs {@code xs} (all of one length, finite). Inputs
     * constant over the points get a scale of 0 and are ignored: nothing says how the target moves with
     * them. Deterministic in {@code seed}.
     */
    public static GaussianProcess fit(List<double[]> xs, double[] y, long seed) {
        double[][] ys = new double[y.length][];
        for (int i = 0; i < y.length; i++) {
            ys[i] = new double[] {y[i]};
        }
        return fitAll(xs, ys, seed);
    }

    /**
     * Fits a process to several targets at once: {@code ys[i]} holds point i's targets (as many for every
     * point, all finite). The targets share the kernel; its hyperparameters maximise their joint marginal
     * likelihood, the targets pooled into one standard deviation (so that a target that varies more weighs
     * more in the choice, as it does in the errors). Deterministic in {@code seed}.
     */
    public static GaussianProcess fitAll(List<double[]> xs, double[][] ys, long seed) {
        int n = xs.size();
        if (n < 2 || ys.length != n || ys[0].length == 0) {
            throw new IllegalArgumentException("Gaussian process needs at least 2 points with targets each, got "
                    + n + " points and " + ys.length + " target rows");
        }
        int targets = ys[0].length;
        for (double[] row : ys) {
            if (row.length != targets) {
                throw new IllegalArgumentException("Gaussian process: every point needs " + targets + " targets, one has "
                        + row.length);
            }
        }
        int d = xs.get(0).length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (double[] x : xs) {
            for (int k = 0; k < d; k++) {
                mean[k] += x[k] / n;
            }
        }
        for (double[] x : xs) {
            for (int k = 0; k < d; k++) {
                scale[k] += (x[k] - mean[k]) * (x[k] - mean[k]) / n;
            }
        }
        for (int k = 0; k < d; k++) {
            scale[k] = scale[k] > 1e-24 ? Math.sqrt(scale[k]) : 0;
        }
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            z[i] = standardize(xs.get(i), mean, scale);
        }
        double[] yMean = new double[targets];
        for (double[] row : ys) {
            for (int c = 0; c < targets; c++) {
                yMean[c] += row[c] / n;
            }
        }
        double[][] centred = new double[n][targets];
        double var = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < targets; c++) {
                centred[i][c] = ys[i][c] - yMean[c];
                var += centred[i][c] * centred[i][c] / (n * (double) targets);
            }
        }
        double sd = Math.sqrt(var) + 1e-9;

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int m = Math.min(n, HYPER_RUNS);
        double[][] zs = new double[m][];
        double[][] scaled = new double[m][targets];
        for (int i = 0; i < m; i++) {
            zs[i] = z[order.get(i)];
            for (int c = 0; c < targets; c++) {
                scaled[i][c] = centred[order.get(i)][c] / sd; // in standard deviations: the bounds on θ are then relative
            }
        }
        double[] theta0 = new double[d + 2];
        theta0[d + 1] = Math.log(0.1);
        double[] theta = new Lbfgs(10, 200, 1e-6).minimize(new MarginalLikelihood(zs, scaled), theta0);

        double[] lengths = new double[d];
        for (int k = 0; k < d; k++) {
            lengths[k] = Math.exp(theta[k]);
        }
        double signal = sd * Math.exp(theta[d]);
        double noise = sd * Math.exp(theta[d + 1]);
        double[][] perTarget = solveColumns(Cholesky.factor(kernel(z, lengths, signal, noise, null)), centred);
        double[][] alpha = new double[n][targets];
        for (int c = 0; c < targets; c++) {
            for (int i = 0; i < n; i++) {
                alpha[i][c] = perTarget[c][i];
            }
        }
        return new GaussianProcess(mean, scale, lengths, signal, noise, yMean, z, alpha);
    }

    /**
     * K⁻¹·y_c for each target c of {@code y[i][c]}, from the Cholesky factor {@code l} of K: {@code
     * result[c][i]}.
     */
    private static double[][] solveColumns(double[][] l, double[][] y) {
        double[][] out = new double[y[0].length][];
        double[] column = new double[y.length];
        for (int c = 0; c < out.length; c++) {
            for (int i = 0; i < y.length; i++) {
                column[i] = y[i][c];
            }
            out[c] = Cholesky.solveFactored(l, column);
        }
        return out;
    }

    private static double[] standardize(double[] x, double[] mean, double[] scale) {
        double[] z = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            z[k] = Double.isNaN(x[k]) || scale[k] == 0 ? 0 : (x[k] - mean[k]) / scale[k];
        }
        return z;
    }

    private static double[] inverseSquares(double[] lengths) {
        double[] inv = new double[lengths.length];
        for (int k = 0; k < lengths.length; k++) {
            inv[k] = 1 / (lengths[k] * lengths[k]);
        }
        return inv;
    }

    private static double scaledDistance(double[] a, double[] b, double[] inverseSquaredLengths) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double diff = a[k] - b[k];
            s += diff * diff * inverseSquaredLengths[k];
        }
        return s;
    }

    /**
     * signal²·exp(−½·Σ((zᵢ−zⱼ)/ℓ)²) + noise²·δᵢⱼ; the noise-free part is also written to {@code
     * noiseFree} when given.
     */
    private static double[][] kernel(double[][] z, double[] lengths, double signal, double noise, double[][] noiseFree) {
        int n = z.length;
        double[] inv = inverseSquares(lengths);
        double[][] kern = new double[n][n];
        double s2 = signal * signal;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = s2 * Math.exp(-0.5 * scaledDistance(z[i], z[j], inv));
                if (noiseFree != null) {
                    noiseFree[i][j] = v;
                    noiseFree[j][i] = v;
                }
                kern[i][j] = v;
                kern[j][i] = v;
            }
            kern[i][i] += noise * noise;
        }
        return kern;
    }

    /**
     * The negative log marginal likelihood (without its constant) of the targets {@code y[i][c]}, independent
     * given the kernel, over log length scales, log signal, log noise.
     */
    private record MarginalLikelihood(double[][] z, double[][] y) implements Lbfgs.Objective {
        @Override
        public double evaluate(double[] theta, double[] grad) {
            int d = theta.length - 2;
            for (double t : theta) {
                if (!(Math.abs(t) <= LOG_BOUND)) {
                    return Double.POSITIVE_INFINITY;
                }
            }
            double[] lengths = new double[d];
            for (int k = 0; k < d; k++) {
                lengths[k] = Math.exp(theta[k]);
            }
            double signal = Math.exp(theta[d]);
            double noise = Math.exp(theta[d + 1]);
            int n = y.length;
            double[][] noiseFree = new double[n][n];
            double[][] l;
            try {
                l = Cholesky.factor(kernel(z, lengths, signal, noise, noiseFree));
            } catch (IllegalArgumentException notPositiveDefinite) {
                return Double.POSITIVE_INFINITY;
            }
            int targets = y[0].length;
            double[][] a = solveColumns(l, y);
            double value = 0;
            for (int i = 0; i < n; i++) {
                double fit = 0;
                for (int c = 0; c < targets; c++) {
                    fit += 0.5 * y[i][c] * a[c][i];
                }
                value += fit + targets * Math.log(l[i][i]);
            }
            // dNLL/dθ = ½·tr(W·∂K/∂θ) with W = targets·K⁻¹ − Σ_c α_c·α_cᵀ
            double[][] w = Cholesky.inverseFactored(l);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double outer = 0;
                    for (double[] ac : a) {
                        outer += ac[i] * ac[j];
                    }
                    w[i][j] = targets * w[i][j] - outer;
                }
            }
            java.util.Arrays.fill(grad, 0);
            double trace = 0;
            for (int i = 0; i < n; i++) {
                trace += w[i][i];
                for (int j = 0; j < n; j++) {
                    double wk = w[i][j] * noiseFree[i][j];
                    grad[d] += wk;
                    if (j < i) {
                        for (int k = 0; k < d; k++) {
                            double diff = z[i][k] - z[j][k];
                            grad[k] += wk * diff * diff; // counted once for (i, j) and once for (j, i)
                        }
                    }
                }
            }
            for (int k = 0; k < d; k++) {
                grad[k] /= lengths[k] * lengths[k];
            }
            grad[d + 1] = trace * noise * noise;
            return value;
        }
    }
}
