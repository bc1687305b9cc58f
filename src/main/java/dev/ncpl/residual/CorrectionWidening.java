package dev.ncpl.residual;

import dev.ncpl.math.Stats;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * How much wider a corrected source's intervals must be beyond the sizes its runs gave, measured on those runs: the
 * correction is fitted on every size but the largest and predicts the largest; the step is the 80% quantile of
 * (|error| / the 80% quantile of the smaller sizes' leave-one-out errors) less 1, so that about 80% of the
 * held-back size would have been covered.
 *
 * <p>Why a step and not a growth per unit of distance: a correction's error beyond its runs' sizes jumps at the
 * first size beyond them and grows little further (on the new-source protocol, Gemstones given its smallest sizes:
 * four times the in-range error at an 11% larger model, about the same at seventeen times larger), so a growth
 * measured over the first step and carried linearly to the far sizes gave intervals half the loss wide. Empty where
 * the runs give one size, or fewer than {@link SourceCorrections#MIN_RUNS} below the largest: then the intervals grow
 * by the parent's {@code posthoc.intervals.one_size_growth} per ln unit beyond the runs.
 */
public final class CorrectionWidening {
    private static final double LEVEL = 0.8;

    private CorrectionWidening() {}

    /** The step measured on {@code runs}, whose parent's final losses are {@code parentFinals}. */
    public static OptionalDouble step(List<Run> runs, double[] parentFinals, long seed) {
        double[] logScale = logScales(runs);
        if (logScale == null) {
            return OptionalDouble.empty();
        }
        double largest = Arrays.stream(logScale).max().orElse(Double.NaN);
        List<Run> small = new ArrayList<>();
        List<Double> smallFinals = new ArrayList<>();
        List<Integer> large = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            if (logScale[i] < largest) {
                small.add(runs.get(i));
                smallFinals.add(parentFinals[i]);
            } else {
                large.add(i);
            }
        }
        if (small.size() < SourceCorrections.MIN_RUNS || large.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] sf = smallFinals.stream().mapToDouble(Double::doubleValue).toArray();
        double[] loo = SourceCorrections.leaveOneOut(small, sf, seed);
        double[] looErrors = new double[small.size()];
        for (int i = 0; i < looErrors.length; i++) {
            looErrors[i] = Math.abs(Math.log(small.get(i).curve().finalLoss() / sf[i]) - loo[i]);
        }
        double base = Stats.quantile(looErrors, LEVEL);
        if (!(base > 0)) {
            return OptionalDouble.empty();
        }
        SourceCorrections.Correction correction = SourceCorrections.fit(small, sf, seed);
        double[] ratios = new double[large.size()];
        for (int m = 0; m < ratios.length; m++) {
            int i = large.get(m);
            Run run = runs.get(i);
            ratios[m] = Math.abs(Math.log(run.curve().finalLoss() / parentFinals[i])
                    - correction.logFactor(run, parentFinals[i])) / base;
        }
        return OptionalDouble.of(Math.max(0, Stats.quantile(ratios, LEVEL) - 1));
    }

    /**
     * ln N of each run, or null where the runs give one size. A source given one size is not measured on its token
     * budgets instead: on the new-source protocol (Step Law from its smallest size, eval/new-source), the step beyond
     * its largest budget was far smaller than the error beyond its size, and intervals so widened held 40–62% of the
     * largest size's runs; a growth per ln unit learnt on other sources given one size holds them.
     */
    private static double[] logScales(List<Run> runs) {
        double[] logN = runs.stream().mapToDouble(r -> Math.log(Scale.of(r).params())).toArray();
        return spread(logN) > 0 ? logN : null;
    }

    private static double spread(double[] v) {
        return Arrays.stream(v).max().orElse(0) - Arrays.stream(v).min().orElse(0);
    }
}
