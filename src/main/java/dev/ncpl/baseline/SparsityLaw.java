package dev.ncpl.baseline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.math.Stats;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How a mixture of experts' loss moves with its density (active over total non-embedding parameters), fitted
 * jointly with the law of a dense source that shares its training setup, and used only for configs denser or
 * sparser than any training run of the mixture's source.
 *
 * <p>The mixture is read as a dense model of {@code N_eff} parameters under the dense source's law, with
 * {@code ln N_eff = ln N_total − c·x^p} and {@code x = −ln(N_active/N_total)}. At x = 0 (every expert active) the
 * mixture is the dense model of its total size, whatever c and p: the anchor a sparsity trend must reach, where a
 * law in active parameters alone keeps falling past it. c and p are read from the source's runs: each run's loss,
 * less the dense law's data term and constant, gives the N_eff the dense law needs to reach it; each density's
 * median of {@code ln N_total − ln N_eff} is y, and ln y = ln c + p·ln x is fitted over the densities. Two
 * densities or more are needed: with one, nothing says how fast the trend bends toward the anchor, and there is no
 * law.
 *
 * <p>Why only beyond the trained densities: inside them the source's own law, its residual models and the network
 * fit the runs better than any law can; beyond them the own law and the residual models carry on in active
 * parameters a trend that a mixture two densities wide cannot bend. There the predictor reads the residual models
 * at the {@link #nearestTrainedActive nearest trained density} and {@link #shift} swaps the own law's trend from
 * that density for this law's.
 *
 * @param dense the dense source whose law the mixture is read under
 * @param c the scale of the density term
 * @param p its power in x
 * @param logShare {min, max} of ln(N_active/N_total) over the source's training runs: inside it the law does nothing
 * @param densities distinct densities the fit read
 * @param runs runs the fit read
 */
public record SparsityLaw(@JsonProperty("dense") String dense,
                          @JsonProperty("c") double c,
                          @JsonProperty("p") double p,
                          @JsonProperty("log_share") double[] logShare,
                          @JsonProperty("densities") int densities,
                          @JsonProperty("runs") int runs) {
    /** Densities whose ln share differ by less than this are one density. */
    static final double SAME_DENSITY = 1e-3;

    @JsonCreator
    public SparsityLaw {}

    /**
     * The sparsity law of each mixture-of-experts source among {@code runs} that has a dense partner in {@code
     * fits}: {@link Baseline#sizeDonor its size donor} when that source's runs are all dense; empty for a source
     * with one density.
     */
    static Map<String, SparsityLaw> fitAll(Collection<Run> runs, Map<String, Baseline.SourceFit> fits,
                                           Map<String, String> metrics) {
        Map<String, List<Run>> bySource = new TreeMap<>();
        runs.forEach(r -> bySource.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r));
        Set<String> mixtures = new TreeSet<>();
        bySource.forEach((src, rs) -> {
            if (rs.stream().anyMatch(SparsityLaw::isMixture)) {
                mixtures.add(src);
            }
        });
        Map<String, SparsityLaw> out = new TreeMap<>();
        for (String src : mixtures) {
            Map<String, Baseline.SourceFit> denseFits = new TreeMap<>(fits);
            denseFits.keySet().removeIf(other -> !other.equals(src) && mixtures.contains(other));
            Baseline.sizeDonor(src, denseFits, metrics).flatMap(d -> fit(bySource.get(src), d, fits.get(d).law()))
                    .ifPresent(law -> out.put(src, law));
        }
        return out;
    }

    /** Whether {@code run} is a mixture of experts whose active and total sizes resolve. */
    static boolean isMixture(Run run) {
        return Scale.isMixture(run) && share(run).filter(s -> s < 1).isPresent();
    }

    /** N_active / N_total of {@code run}, where both resolve. */
    static Optional<Double> share(Run run) {
        return Scale.totalParams(run).flatMap(t -> Scale.params(run).filter(a -> t > 0 && a > 0).map(a -> a / t));
    }

    /**
     * The law of the mixture-of-experts runs among {@code runs} under {@code denseLaw}, the law of the dense source
     * {@code dense}; empty with fewer than two densities, or where the runs do not lie between the dense law at
     * their active and at their total size (y outside (0, x]), or the trend does not bend toward the anchor (p ≤ 0).
     */
    public static Optional<SparsityLaw> fit(Collection<Run> runs, String dense, ChinchillaLaw denseLaw) {
        Map<Long, List<double[]>> byDensity = new TreeMap<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int used = 0;
        for (Run r : runs) {
            Optional<Double> share = share(r).filter(s -> s < 1);
            Optional<Double> tokens = Scale.tokens(r);
            if (share.isEmpty() || tokens.isEmpty() || r.curve() == null) {
                continue;
            }
            double logShare = Math.log(share.get());
            lo = Math.min(lo, logShare);
            hi = Math.max(hi, logShare);
            double sizeTerm = r.curve().finalLoss() - denseLaw.e() - denseLaw.b() / Math.pow(tokens.get(), denseLaw.beta());
            if (!(sizeTerm > 0) || !(denseLaw.a() > 0) || !(denseLaw.alpha() > 0)) {
                continue;
            }
            double logEffective = Math.log(denseLaw.a() / sizeTerm) / denseLaw.alpha();
            double logTotal = Math.log(Scale.totalParams(r).orElseThrow());
            byDensity.computeIfAbsent(Math.round(logShare / SAME_DENSITY), k -> new ArrayList<>())
                    .add(new double[] {-logShare, logTotal - logEffective});
            used++;
        }
        List<double[]> xy = new ArrayList<>();
        for (List<double[]> points : byDensity.values()) {
            double x = Stats.median(points.stream().mapToDouble(q -> q[0]).toArray());
            double y = Stats.median(points.stream().mapToDouble(q -> q[1]).toArray());
            if (!(y > 0) || y > x) {
                return Optional.empty();
            }
            xy.add(new double[] {Math.log(x), Math.log(y)});
        }
        if (xy.size() < 2) {
            return Optional.empty();
        }
        double mx = xy.stream().mapToDouble(q -> q[0]).average().orElseThrow();
        double my = xy.stream().mapToDouble(q -> q[1]).average().orElseThrow();
        double sxy = xy.stream().mapToDouble(q -> (q[0] - mx) * (q[1] - my)).sum();
        double sxx = xy.stream().mapToDouble(q -> (q[0] - mx) * (q[0] - mx)).sum();
        double power = sxy / sxx;
        if (!(power > 0) || !Double.isFinite(power)) {
            return Optional.empty();
        }
        return Optional.of(new SparsityLaw(dense, Math.exp(my - power * mx), power, new double[] {lo, hi}, xy.size(),
                used));
    }

    /**
     * What {@code run}'s final loss moves by when the trend of {@code own} (its source's law in active parameters)
     * from the nearest trained density to the run's is swapped for this law's: 0 inside the trained densities, for
     * a dense run and for one whose sizes do not resolve.
     *
     * @param denseLaw the law of {@link #dense}
     */
    public double shift(Run run, ChinchillaLaw own, ChinchillaLaw denseLaw) {
        double[] beyond = beyond(run);
        if (beyond == null) {
            return 0;
        }
        double active = beyond[0];
        double total = beyond[1];
        double activeNearest = beyond[2];
        double joint = sizeTerm(denseLaw, effectiveParams(total, Math.log(total / active)))
                - sizeTerm(denseLaw, effectiveParams(total, Math.log(total / activeNearest)));
        double ownTrend = sizeTerm(own, active) - sizeTerm(own, activeNearest);
        return joint - ownTrend;
    }

    /**
     * The active parameters {@code run} would have at the nearest density of the source's training runs (its total
     * kept), or NaN when its density lies inside them or its sizes do not resolve: where the source's own residual
     * models are read for a run this law moves, so that the trend beyond the trained densities is this law's alone.
     */
    public double nearestTrainedActive(Run run) {
        double[] beyond = beyond(run);
        return beyond == null ? Double.NaN : beyond[2];
    }

    /**
     * {active, total, active at the nearest trained density} of {@code run}, or null when its density lies inside
     * the trained ones or its sizes do not resolve.
     */
    private double[] beyond(Run run) {
        Optional<Double> total = Scale.totalParams(run);
        Optional<Double> active = Scale.params(run);
        if (logShare == null || total.isEmpty() || active.isEmpty() || !(total.get() > 0 && active.get() > 0)) {
            return null;
        }
        double logShareOf = Math.log(active.get() / total.get());
        double nearest = Math.max(logShare[0], Math.min(logShare[1], logShareOf));
        return logShareOf == nearest ? null
                : new double[] {active.get(), total.get(), Math.exp(nearest) * total.get()};
    }

    /** N_eff of a mixture of {@code total} parameters at x = −ln(active/total). */
    @JsonIgnore
    public double effectiveParams(double total, double x) {
        return total * Math.exp(-c * Math.pow(Math.max(0, x), p));
    }

    private static double sizeTerm(ChinchillaLaw law, double n) {
        return law.a() / Math.pow(n, law.alpha());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ln N_eff = ln N_total - %.4g * x^%.3f, x = -ln(N_active/N_total), under %s's "
                + "law; fitted on %d runs of %d densities (N_active/N_total %.4f-%.4f)", c, p, dense, runs, densities,
                Math.exp(logShare[0]), Math.exp(logShare[1]));
    }
}
