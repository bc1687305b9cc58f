package dev.ncpl.curve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.FixtureSplit;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The curve shape back from the final loss, on generated runs whose curves follow their cosine schedule. */
class CurveShapeTest {
    @Test
    void drawsHeldOutCurvesBackFromTheirFinalLoss(@TempDir Path dir) throws IOException {
        FixtureSplit data = FixtureSplit.of(Fixtures.runs(300, 4, 0.002, 21, "alpha"));
        List<Run> train = data.train();
        List<Run> held = data.held();
        Baseline baseline = data.baseline();
        ChinchillaLaw law = baseline.law("alpha");
        // a network that knows each final loss to within 0.01
        java.util.function.ToDoubleFunction<Run> network = r -> r.curve().finalLoss() + 0.01 * Math.sin(r.id().hashCode());
        CurveShape shape = CurveShape.fit(train, baseline, 3, network, dev.ncpl.settings.PosthocSettings.DEFAULTS.curves());
        double errShape = 0;
        double errFlat = 0;
        int points = 0;
        for (Run r : held) {
            Curve c = r.curve();
            double total = Scale.totalSteps(r).orElseThrow();
            double[] predicted = shape.losses(r, law, network.applyAsDouble(r), LrSchedule.of(r), c.steps());
            for (int j = 0; j < c.size(); j++) {
                if (c.step(j) < 0.1 * total) {
                    continue;
                }
                errShape += Math.abs(predicted[j] - c.loss(j));
                errFlat += Math.abs(network.applyAsDouble(r) - c.loss(j));
                points++;
            }
        }
        errShape /= points;
        errFlat /= points;
        // the curve falls to the final loss: the shape must recover most of how far above it each point lies
        assertTrue(errShape < 0.2 * errFlat, "shape " + errShape + " vs the final loss held flat " + errFlat);
        assertTrue(errShape < 0.02, "shape MAE " + errShape);

        Run r = held.get(0);
        double total = Scale.totalSteps(r).orElseThrow();
        double[] steps = {0.01 * total, 0.5 * total, total, 2 * total};
        double[] at = shape.losses(r, law, 3.0, LrSchedule.of(r), steps);
        assertTrue(Double.isNaN(at[0]), "before the earliest share of training it learnt from: " + at[0]);
        assertTrue(at[1] > 3.0, "mid-run the loss lies above the final loss: " + at[1]);
        assertEquals(3.0, at[2], 0);
        assertEquals(3.0, at[3], 0);
        // it runs continuously into the final loss (the laws never queried the final point itself)
        for (Run h : held.subList(0, 10)) {
            double t = Scale.totalSteps(h).orElseThrow();
            double fin = network.applyAsDouble(h);
            double[] nearEnd = shape.losses(h, law, fin, LrSchedule.of(h), new double[] {t - 1e-6 * t});
            assertEquals(fin, nearEnd[0], 1e-5 * fin, "a millionth of the run before the end of " + h.id());
        }
        // a schedule none of its training curves had (every one decayed to a tenth of its peak; a constant one
        // ends at its peak) is held at the edge of what it learnt from, not extrapolated by its quadratic laws
        Run constant = new Run(r.id() + "-constant", r.source(), r.split(), r.metric(), r.config().deepCopy(), r.curve());
        ((com.fasterxml.jackson.databind.node.ObjectNode) constant.config().get("schedule")).put("lr_schedule", "constant");
        double[] mid = new double[8];
        for (int j = 0; j < mid.length; j++) {
            mid[j] = (0.15 + 0.1 * j) * total;
        }
        double[] flat = shape.losses(constant, law, 3.0, LrSchedule.of(constant), mid);
        double[] cosine = shape.losses(r, law, 3.0, LrSchedule.of(r), mid);
        for (int j = 0; j < mid.length; j++) {
            assertTrue(flat[j] > 3.0 && flat[j] < 3.0 + 2 * (cosine[0] - 3.0),
                    "constant schedule at " + mid[j] / total + " of the run: " + flat[j] + " (cosine " + cosine[j] + ")");
        }
        // saved and read back, it draws the same curve
        shape.save(dir.resolve(CurveShape.FILE));
        assertArrayEquals(at, CurveShape.loadIfPresent(dir).losses(r, law, 3.0, LrSchedule.of(r), steps), 0);
        assertEquals(null, CurveShape.loadIfPresent(dir.resolve("elsewhere")));
    }
}
