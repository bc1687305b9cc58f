package dev.ncpl.residual;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.Fixtures;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The step a corrected source's intervals widen by beyond its runs' sizes, measured on its largest size. */
class CorrectionWideningTest {
    /** "Parent" predictions off by a small noise, and at the largest size by {@code jump} more. */
    private static double[] parentFinals(List<Run> runs, double jump, long seed) {
        Random rnd = new Random(seed);
        double largest = runs.stream().mapToDouble(r -> Scale.of(r).params()).max().orElseThrow();
        double[] out = new double[runs.size()];
        for (int i = 0; i < out.length; i++) {
            Run r = runs.get(i);
            double off = 0.01 * rnd.nextGaussian() + (Scale.of(r).params() == largest ? jump : 0);
            out[i] = r.curve().finalLoss() * Math.exp(-off);
        }
        return out;
    }

    @Test
    void aLargestSizeOffByMoreThanTheRestGivesAStep() {
        List<Run> runs = Fixtures.runs(40, 4, 0.0, 7, "gamma");
        OptionalDouble jumped = CorrectionWidening.step(runs, parentFinals(runs, 0.08, 1), 3);
        OptionalDouble even = CorrectionWidening.step(runs, parentFinals(runs, 0.0, 1), 3);
        assertTrue(jumped.isPresent() && even.isPresent());
        assertTrue(jumped.getAsDouble() > 2, "step " + jumped.getAsDouble());
        assertTrue(even.getAsDouble() < jumped.getAsDouble() / 2, "no jump: step " + even.getAsDouble());
    }

    /** One size (whatever its budgets) measures nothing: the model's shared growth stands. */
    @Test
    void oneSizeMeasuresNothing() {
        List<Run> runs = Fixtures.runs(15, 1, 0.0, 7, "gamma");
        assertTrue(runs.stream().mapToDouble(r -> Scale.of(r).tokens()).distinct().count() > 1);
        assertFalse(CorrectionWidening.step(runs, parentFinals(runs, 0.08, 1), 3).isPresent());
    }
}
