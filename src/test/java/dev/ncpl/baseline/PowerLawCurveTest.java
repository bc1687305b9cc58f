package dev.ncpl.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ncpl.predict.PowerLawPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class PowerLawCurveTest {
    @Test
    void recoversAPowerLawFromItsBeginning() {
        PowerLawCurve truth = new PowerLawCurve(2.1, 9.0, 0.35);
        double[] steps = new double[30];
        double[] losses = new double[30];
        for (int i = 0; i < 30; i++) {
            steps[i] = 100 * (i + 1);
            losses[i] = truth.at(steps[i]);
        }
        PowerLawCurve fit = PowerLawCurve.fit(steps, losses, 10_000);
        // extrapolated 3x beyond the last observed step
        assertEquals(truth.at(10_000), fit.at(10_000), 1e-3);
        assertEquals(truth.exponent(), fit.exponent(), 0.02);
    }

    @Test
    void firstTenthIsLeftOutAndShortPrefixesHoldTheLastLoss() {
        double[] steps = {50, 100, 900, 1000};
        double[] losses = {9.0, 7.0, 3.1, 3.0};
        PowerLawCurve fit = PowerLawCurve.fit(steps, losses, 10_000);
        assertEquals(3.0, fit.at(5000), 0.0);
    }

    @Test
    void predictorUsesOnlyTheObservedPrefix() {
        Run run = Fixtures.runs(1, 1, 0, 2, "a").get(0);
        double[] losses = run.curve().losses();
        double[] steps = run.curve().steps();
        double[] altered = losses.clone();
        // change the unobserved second half: the prediction must not move
        for (int i = steps.length / 2 + 1; i < altered.length; i++) {
            altered[i] += 0.5;
        }
        Run other = run.withCurve(new Curve(steps, altered));
        PowerLawPredictor p = new PowerLawPredictor(0.5);
        Prediction a = p.predict(List.of(run)).get(0);
        Prediction b = p.predict(List.of(other)).get(0);
        assertEquals(a.finalLoss(), b.finalLoss(), 0.0);
        assertEquals("powerlaw@50%", p.name());
    }
}
