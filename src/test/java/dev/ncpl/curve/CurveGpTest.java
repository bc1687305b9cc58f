package dev.ncpl.curve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.testing.FixtureSplit;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The curve process: its targets, what it learns of held-out curves, and how it is weighed into a curve. */
class CurveGpTest {
    private static final PosthocSettings.Curves SETTINGS = PosthocSettings.DEFAULTS.curves();

    @Test
    void targetsReadTheCurveBetweenLoggedPointsAfterStepZero() {
        Curve curve = new Curve(new double[] {0, 100, 200, 400}, new double[] {12, 4, 3, 2.5});
        double[] y = CurveGp.targets(curve, 400, new double[] {0.1, 0.25, 0.5, 0.75});
        // 40 steps lies before the first point after step 0: its loss, not a line from the untrained model's
        assertArrayEquals(new double[] {Math.log(4 / 2.5), Math.log(4 / 2.5), Math.log(3 / 2.5), Math.log(2.75 / 2.5)},
                y, 1e-12);
        assertTrue(CurveGp.usable(run(curve), SETTINGS.gpMinPoints()));
        assertTrue(!CurveGp.usable(run(new Curve(new double[] {0, 100, 400}, new double[] {12, 4, 2.5})), SETTINGS.gpMinPoints()),
                "two points after step 0 say too little of a shape");
    }

    @Test
    void learnsHeldOutShapesBackFromTheFinalLoss(@TempDir Path dir) throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(300, 4, 0.002, 21, "alpha"));
        runs.addAll(Fixtures.runs(SETTINGS.gpMinRuns() - 1, 3, 0.002, 22, "small").stream()
                .map(r -> new Run(r.id(), r.source(), "train", r.metric(), r.config(), r.curve())).toList());
        FixtureSplit data = FixtureSplit.of(runs);
        CurveShape shape = CurveShape.fit(data.train(), data.baseline(), 3, r -> r.curve().finalLoss(), SETTINGS);
        assertEquals(List.of("alpha"), List.copyOf(shape.gps().keySet()), "a source of too few curves gets none");
        double err = 0;
        double errFlat = 0;
        int points = 0;
        for (Run r : data.held()) {
            Curve c = r.curve();
            LrSchedule schedule = LrSchedule.of(r);
            double[] predicted = shape.gpLosses(r, Scale.of(r), schedule, c.finalLoss(), c.steps());
            for (int j = 0; j < c.size(); j++) {
                if (c.step(j) < 0.1 * schedule.total()) {
                    assertTrue(Double.isNaN(predicted[j]), "before the first share it learnt");
                    continue;
                }
                err += Math.abs(predicted[j] - c.loss(j));
                errFlat += Math.abs(c.finalLoss() - c.loss(j));
                points++;
            }
            assertEquals(c.finalLoss(), shape.gpLosses(r, Scale.of(r), schedule, c.finalLoss(),
                    new double[] {schedule.total()})[0], 0.0, "at the end of the run: the final loss");
        }
        err /= points;
        errFlat /= points;
        assertTrue(err < 0.03 * errFlat, "process MAE " + err + " vs the final loss held flat " + errFlat);

        Run r = data.held().get(0);
        ObjectNode cfg = r.config().deepCopy();
        ((ObjectNode) cfg.get("optimizer")).put("name", "lion");
        Run lion = new Run(r.id(), r.source(), r.split(), r.metric(), cfg, r.curve());
        assertNull(shape.gpLosses(lion, Scale.of(lion), LrSchedule.of(lion), 3.0, r.curve().steps()),
                "an optimizer the process never saw");
        Run small = data.train().stream().filter(x -> x.source().equals("small")).findFirst().orElseThrow();
        assertNull(shape.gpLosses(small, Scale.of(small), LrSchedule.of(small), 3.0, small.curve().steps()));

        shape.save(dir.resolve(CurveShape.FILE));
        CurveShape loaded = CurveShape.loadIfPresent(dir);
        assertArrayEquals(shape.gpLosses(r, Scale.of(r), LrSchedule.of(r), 3.0, r.curve().steps()),
                loaded.gpLosses(r, Scale.of(r), LrSchedule.of(r), 3.0, r.curve().steps()), 0.0);
        // fine-tuning keeps the parent's process for its sources and adds the new source's
        CurveShape other = CurveShape.fit(Fixtures.runs(150, 3, 0.002, 23, "beta"), data.baseline()
                .withNewSources(dev.ncpl.baseline.Baseline.fit(Fixtures.runs(150, 3, 0.002, 23, "beta"))), 3,
                x -> x.curve().finalLoss(), SETTINGS);
        CurveShape merged = shape.withNewSources(other);
        assertEquals(List.of("alpha", "beta"), List.copyOf(merged.gps().keySet()));
        assertTrue(merged.gps().get("alpha") == shape.gps().get("alpha"));
    }

    private static Run run(Curve curve) {
        Run base = Fixtures.runs(1, 1, 0, 1, "alpha").get(0);
        return new Run(base.id(), base.source(), base.split(), base.metric(), base.config(), curve);
    }
}
