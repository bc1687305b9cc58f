package dev.ncpl.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A corrected source's curve profile: how its curves bend from the parent's beyond the final loss's factor. */
class CurveProfileTest {
    /** The observed curves sit exp(c_i + 0.2 (1 − f)) above the "parent's": a per-run final factor and a shared bend. */
    @Test
    void recoversTheSharedBendAndLeavesTheFinalFactorToTheProcess() {
        List<Run> runs = Fixtures.runs(20, 4, 0.0, 3, "gamma");
        Random rnd = new Random(5);
        List<double[]> parent = new ArrayList<>();
        double[] parentFinals = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            double c = 0.1 * rnd.nextGaussian();
            double total = LrSchedule.of(r).total();
            double[] p = new double[r.curve().size()];
            for (int j = 0; j < p.length; j++) {
                double f = Math.min(1, r.curve().steps()[j] / total);
                p[j] = r.curve().losses()[j] / Math.exp(c + 0.2 * (1 - f));
            }
            parent.add(p);
            parentFinals[i] = r.curve().finalLoss() / Math.exp(c + 0.2 * (1 - Math.min(1,
                    r.curve().lastStep() / total)));
        }
        CurveProfile profile = CurveProfile.fit(runs, parent, parentFinals);
        assertEquals(0.0, profile.offset(1.0), 1e-12);
        // the points that count towards the half-way knot lie at 5/12 … 8/12 of training: mean bend 0.2 × 0.458
        assertEquals(0.0917, profile.offset(0.5), 0.01);
        assertTrue(profile.offset(1.0 / 16) > profile.offset(0.25) && profile.offset(0.25) > profile.offset(0.5),
                "the bend grows towards the start");
        // held beyond the earliest knot the curves reached, read between knots
        assertEquals(profile.offset(1.0 / 16), profile.offset(1e-4), 1e-12);
        double between = profile.offset(Math.sqrt(0.5 * 0.25));
        assertEquals((profile.offset(0.5) + profile.offset(0.25)) / 2, between, 1e-9);
    }

    @Test
    void needsTwoCurves() {
        Run r = Fixtures.runs(1, 1, 0.0, 3, "gamma").get(0);
        Run finalOnly = new Run("f", "gamma", null, "loss", r.config(),
                new Curve(new double[] {r.curve().lastStep()}, new double[] {r.curve().finalLoss()}));
        assertNull(CurveProfile.fit(List.of(r, finalOnly), List.of(r.curve().losses(), new double[] {r.curve().finalLoss()}),
                new double[] {r.curve().finalLoss(), r.curve().finalLoss()}));
    }
}
