package dev.ncpl.residual;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.math.Stats;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * How a corrected source's curves bend away from its parent's beyond the final loss's factor: at fractions of
 * training 1, 1/2, 1/4, … ({@link #KNOTS} of them), the median over the source's runs of log(observed loss /
 * the parent's) less the same at the end of the run. A corrected curve point is the parent's times exp(the final
 * factor + this offset at its fraction), the offset read linearly in log fraction between knots and held beyond
 * the first and last knots the runs reached.
 *
 * <p>Why: a new source's early losses are off from the parent's by more than its final loss is (another
 * tokenizer, warmup or data mix move the start of a curve most), and scaling the whole curve by the final
 * loss's factor left them off; the runs given to the adaptation show by how much.
 *
 * @param fractions the knots' fractions of training, decreasing from 1
 * @param offsets the log offset at each knot (0 at fraction 1)
 */
public record CurveProfile(@JsonProperty("fractions") double[] fractions, @JsonProperty("offsets") double[] offsets) {
    /** Knots at fractions 2^0 … 2^-(KNOTS-1). */
    public static final int KNOTS = 11;
    /** Runs whose curves must reach a knot for it to be set from them (others are read between their neighbours). */
    public static final int MIN_RUNS_AT_KNOT = 2;

    public CurveProfile {
        if (fractions.length != offsets.length || fractions.length == 0) {
            throw new IllegalArgumentException("a curve profile needs as many offsets as fractions, at least one");
        }
    }

    /**
     * The profile of {@code runs}, whose parent's curves at each run's own curve steps are {@code parentCurves} and
     * final losses {@code parentFinals}; null where fewer than {@link #MIN_RUNS_AT_KNOT} runs have a curve of two
     * points or more.
     */
    public static CurveProfile fit(List<Run> runs, List<double[]> parentCurves, double[] parentFinals) {
        List<List<Double>> perKnot = new ArrayList<>();
        for (int k = 0; k < KNOTS; k++) {
            perKnot.add(new ArrayList<>());
        }
        int withCurves = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            if (!run.hasCurve() || run.curve().size() < 2) {
                continue;
            }
            withCurves++;
            Curve c = run.curve();
            double total = LrSchedule.of(run).total();
            double finalOffset = Math.log(c.finalLoss() / parentFinals[i]);
            double[] parent = parentCurves.get(i);
            double[] sum = new double[KNOTS];
            int[] count = new int[KNOTS];
            for (int j = 0; j < c.size(); j++) {
                double ratio = c.losses()[j] / parent[j];
                if (!(ratio > 0) || !Double.isFinite(ratio)) {
                    continue;
                }
                int knot = nearestKnot(Math.min(1.0, c.steps()[j] / total));
                if (knot >= 0) {
                    sum[knot] += Math.log(ratio) - finalOffset;
                    count[knot]++;
                }
            }
            for (int k = 0; k < KNOTS; k++) {
                if (count[k] > 0) {
                    perKnot.get(k).add(sum[k] / count[k]);
                }
            }
        }
        if (withCurves < MIN_RUNS_AT_KNOT) {
            return null;
        }
        List<Double> fractions = new ArrayList<>();
        List<Double> offsets = new ArrayList<>();
        fractions.add(1.0);
        offsets.add(0.0);
        for (int k = 1; k < KNOTS; k++) {
            List<Double> values = perKnot.get(k);
            if (values.size() >= MIN_RUNS_AT_KNOT) {
                fractions.add(Math.pow(2, -k));
                offsets.add(Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray()));
            }
        }
        return new CurveProfile(fractions.stream().mapToDouble(Double::doubleValue).toArray(),
                offsets.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The knot a point at {@code fraction} of training counts towards (within half a halving), or -1 below the last. */
    private static int nearestKnot(double fraction) {
        if (!(fraction > 0)) {
            return -1;
        }
        int k = (int) Math.round(-Math.log(fraction) / Math.log(2));
        return k < KNOTS ? Math.max(0, k) : -1;
    }

    /** The log offset of a curve point at {@code fraction} of training from the final loss's correction. */
    public double offset(double fraction) {
        if (!(fraction > 0) || fraction >= fractions[0]) {
            return fraction > 0 ? offsets[0] : offsets[offsets.length - 1];
        }
        double x = Math.log(fraction);
        for (int k = 1; k < fractions.length; k++) {
            if (fraction >= fractions[k]) {
                double x0 = Math.log(fractions[k - 1]);
                double x1 = Math.log(fractions[k]);
                double t = (x - x0) / (x1 - x0);
                return offsets[k - 1] + t * (offsets[k] - offsets[k - 1]);
            }
        }
        return offsets[offsets.length - 1];
    }
}
