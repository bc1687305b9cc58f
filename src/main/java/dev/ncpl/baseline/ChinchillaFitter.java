package dev.ncpl.baseline;

import dev.ncpl.math.Lbfgs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Fits {@link ChinchillaLaw} the standard way (Hoffmann et al. 2022, as refit by Epoch AI): Huber
 * loss (δ = 1e-3) between the log of the predicted and the observed loss, with the prediction written
 * as log-sum-exp of (a − α·log N, b − β·log D, e) where A = e^a, B = e^b, E = e^e; a grid of starting
 * points (Hoffmann's: e ∈ {−1…1}, a, b ∈ {0…25}, α, β ∈ {0…2}) is scored, L-BFGS runs from the
 * {@value #REFINED_STARTS} best of them, and the best fit is kept.
 *
 * <p>When the data cannot identify a parameter the fit says so and fixes it to the prior (by
 * default {@link ChinchillaLaw#EPOCH_REFIT}): with two distinct model sizes the exponent α is fixed
 * and A fitted; with one, both α and A are fixed (E then absorbs the size term). The same holds for
 * token budgets, β and B.
 */
public final class ChinchillaFitter {
    /** Huber threshold on log-loss residuals. */
    public static final double HUBER_DELTA = 1e-3;
    private static final double[] GRID_E = {-1, -0.5, 0, 0.5, 1};
    private static final double[] GRID_AB = {0, 5, 10, 15, 20, 25};
    private static final double[] GRID_EXP = {0, 0.5, 1, 1.5, 2};
    /** Grid points refined by L-BFGS (all of them would cost minutes on thousands of runs, for the same optimum). */
    public static final int REFINED_STARTS = Integer.getInteger("ncpl.refinedStarts", 96);

    /**
     * Largest exponent a fit may keep: published laws have α and β of 0.05 to 0.8 and the starting grid reaches 2;
     * beyond this one the data says only that the smallest size or budget differs from the rest.
     */
    public static final double MAX_EXPONENT = 3;

    /** One observation: model size, tokens, loss. */
    public record Point(double params, double tokens, double loss) {}

    /** A fitted law with the objective value and what had to be fixed. */
    public record Fit(ChinchillaLaw law, double objective, int points, int distinctParams, int distinctTokens,
                      List<String> notes) {
        public boolean fullyIdentified() {
            return notes.isEmpty();
        }
    }

    private final ChinchillaLaw prior;
    /** Where the prior came from, said in the notes after its value; empty for Epoch's refit. */
    private final String priorOrigin;

    public ChinchillaFitter() {
        this(ChinchillaLaw.EPOCH_REFIT, "");
    }

    /** A fitter that fixes what the data cannot identify to {@code prior}, whose origin the notes name. */
    public ChinchillaFitter(ChinchillaLaw prior, String priorOrigin) {
        this.prior = prior;
        this.priorOrigin = priorOrigin.isEmpty() ? "" : " (" + priorOrigin + ")";
    }

    /** Fits the law to {@code points}; needs at least one point with positive N, D and loss. */
    public Fit fit(List<Point> points) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("cannot fit a scaling law to no runs");
        }
        int m = points.size();
        double[] logN = new double[m];
        double[] logD = new double[m];
        double[] logL = new double[m];
        for (int i = 0; i < m; i++) {
            Point p = points.get(i);
            if (!(p.params() > 0 && p.tokens() > 0 && p.loss() > 0)) {
                throw new IllegalArgumentException("point " + i + " has non-positive N, D or loss: " + p);
            }
            logN[i] = Math.log(p.params());
            logD[i] = Math.log(p.tokens());
            logL[i] = Math.log(p.loss());
        }
        int distinctN = distinct(logN);
        int distinctD = distinct(logD);
        List<String> notes = new ArrayList<>();
        // parameter order: e, a, b, alpha, beta
        boolean[] free = {true, true, true, true, true};
        double[] fixed = {Math.log(prior.e()), Math.log(prior.a()), Math.log(prior.b()), prior.alpha(), prior.beta()};
        if (distinctN < 3) {
            free[3] = false;
            notes.add(String.format(Locale.ROOT, "only %d distinct model size(s): alpha fixed to the prior %.4f%s",
                    distinctN, prior.alpha(), priorOrigin));
            if (distinctN < 2) {
                free[1] = false;
                notes.add(String.format(Locale.ROOT, "one model size: A fixed to the prior %.4g%s", prior.a(),
                        priorOrigin));
            }
        }
        if (distinctD < 3) {
            free[4] = false;
            notes.add(String.format(Locale.ROOT, "only %d distinct token budget(s): beta fixed to the prior %.4f%s",
                    distinctD, prior.beta(), priorOrigin));
            if (distinctD < 2) {
                free[2] = false;
                notes.add(String.format(Locale.ROOT, "one token budget: B fixed to the prior %.4g%s", prior.b(),
                        priorOrigin));
            }
        }
        return fit(logN, logD, logL, free, fixed, notes, m, distinctN, distinctD);
    }

    /**
     * The fit with the parameters {@code free} leaves free; an exponent that runs beyond {@link #MAX_EXPONENT} (the
     * sizes or budgets cannot identify it: a law in which only the smallest model or budget differs from the rest
     * wants an infinite one, with A or B overflowing) is fixed to the prior and the law fitted again.
     */
    private Fit fit(double[] logN, double[] logD, double[] logL, boolean[] free, double[] fixed, List<String> notes,
                    int m, int distinctN, int distinctD) {
        Objective objective = new Objective(logN, logD, logL, free, fixed);
        List<double[]> grid = grid(free, fixed);
        double[] gridValues = grid.parallelStream()
                .mapToDouble(t -> objective.evaluate(objective.pack(t), new double[objective.freeIndex.length]))
                .toArray();
        List<double[]> starts = IntStream.range(0, grid.size()).boxed()
                .filter(k -> Double.isFinite(gridValues[k]))
                .sorted(Comparator.<Integer>comparingDouble(k -> gridValues[k]).thenComparingInt(k -> k))
                .limit(REFINED_STARTS).map(grid::get).toList();
        Lbfgs lbfgs = new Lbfgs(10, 1000, 1e-10);
        double[][] results = new double[starts.size()][];
        double[] values = new double[starts.size()];
        IntStream.range(0, starts.size()).parallel().forEach(k -> {
            double[] x = lbfgs.minimize(objective, objective.pack(starts.get(k)));
            results[k] = x;
            values[k] = objective.evaluate(x, new double[x.length]);
        });
        int best = IntStream.range(0, values.length).boxed()
                .filter(k -> Double.isFinite(values[k]))
                .min(Comparator.<Integer>comparingDouble(k -> values[k]).thenComparingInt(k -> k))
                .orElseThrow(() -> new IllegalStateException("no start converged to a finite fit"));
        double[] theta = objective.unpack(results[best]);
        for (int j : new int[] {3, 4}) {
            if (free[j] && !(theta[j] <= MAX_EXPONENT && Double.isFinite(Math.exp(theta[j - 2])))) {
                boolean[] fewer = free.clone();
                fewer[j] = false;
                List<String> more = new ArrayList<>(notes);
                double priorValue = j == 3 ? prior.alpha() : prior.beta();
                more.add(String.format(Locale.ROOT, "the %s exponent ran off to %.3g (the %s cannot identify it): "
                        + "fixed to the prior %.4f%s", j == 3 ? "size" : "token", theta[j],
                        j == 3 ? "model sizes" : "token budgets", priorValue, priorOrigin));
                return fit(logN, logD, logL, fewer, fixed, more, m, distinctN, distinctD);
            }
        }
        ChinchillaLaw law = new ChinchillaLaw(Math.exp(theta[0]), Math.exp(theta[1]), Math.exp(theta[2]),
                theta[3], theta[4]);
        return new Fit(law, values[best], m, distinctN, distinctD, List.copyOf(notes));
    }

    private static int distinct(double[] logs) {
        TreeSet<Long> buckets = new TreeSet<>();
        for (double v : logs) {
            buckets.add(Math.round(v * 1e4));
        }
        return buckets.size();
    }

    private static List<double[]> grid(boolean[] free, double[] fixed) {
        double[][] axes = {GRID_E, GRID_AB, GRID_AB, GRID_EXP, GRID_EXP};
        List<double[]> out = new ArrayList<>();
        out.add(fixed.clone());
        int[] idx = new int[5];
        while (true) {
            double[] p = new double[5];
            for (int j = 0; j < 5; j++) {
                p[j] = free[j] ? axes[j][idx[j]] : fixed[j];
            }
            out.add(p);
            int j = 0;
            while (j < 5) {
                if (free[j] && ++idx[j] < axes[j].length) {
                    break;
                }
                idx[j] = 0;
                j++;
            }
            if (j == 5) {
                return out;
            }
        }
    }

    /** Mean Huber loss of log-sum-exp predictions over the free parameters. */
    private static final class Objective implements Lbfgs.Objective {
        private final double[] logN;
        private final double[] logD;
        private final double[] logL;
        private final boolean[] free;
        private final double[] fixed;
        private final int[] freeIndex;

        Objective(double[] logN, double[] logD, double[] logL, boolean[] free, double[] fixed) {
            this.logN = logN;
            this.logD = logD;
            this.logL = logL;
            this.free = free;
            this.fixed = fixed;
            this.freeIndex = IntStream.range(0, 5).filter(j -> free[j]).toArray();
        }

        double[] pack(double[] theta) {
            double[] x = new double[freeIndex.length];
            for (int k = 0; k < x.length; k++) {
                x[k] = theta[freeIndex[k]];
            }
            return x;
        }

        double[] unpack(double[] x) {
            double[] theta = fixed.clone();
            for (int k = 0; k < x.length; k++) {
                theta[freeIndex[k]] = x[k];
            }
            return theta;
        }

        @Override
        public double evaluate(double[] x, double[] grad) {
            double[] t = unpack(x);
            double[] full = new double[5];
            double sum = 0;
            int m = logL.length;
            for (int i = 0; i < m; i++) {
                double t1 = t[1] - t[3] * logN[i];
                double t2 = t[2] - t[4] * logD[i];
                double t3 = t[0];
                double mx = Math.max(t1, Math.max(t2, t3));
                double e1 = Math.exp(t1 - mx);
                double e2 = Math.exp(t2 - mx);
                double e3 = Math.exp(t3 - mx);
                double z = e1 + e2 + e3;
                double lse = mx + Math.log(z);
                double r = lse - logL[i];
                double h;
                double dh;
                if (Math.abs(r) <= HUBER_DELTA) {
                    h = 0.5 * r * r;
                    dh = r;
                } else {
                    h = HUBER_DELTA * (Math.abs(r) - 0.5 * HUBER_DELTA);
                    dh = HUBER_DELTA * Math.signum(r);
                }
                sum += h;
                double w1 = e1 / z;
                double w2 = e2 / z;
                double w3 = e3 / z;
                full[0] += dh * w3;
                full[1] += dh * w1;
                full[2] += dh * w2;
                full[3] -= dh * w1 * logN[i];
                full[4] -= dh * w2 * logD[i];
            }
            for (int k = 0; k < freeIndex.length; k++) {
                grad[k] = full[freeIndex[k]] / m;
            }
            return sum / m;
        }
    }
}
