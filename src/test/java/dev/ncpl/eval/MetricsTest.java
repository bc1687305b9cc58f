package dev.ncpl.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void errorsAndRankCorrelation() {
        double[] truth = {1, 2, 3, 4};
        double[] pred = {1.1, 1.9, 3.3, 3.9};
        assertEquals(0.15, Metrics.mae(pred, truth), 1e-12);
        assertEquals(Math.sqrt((0.01 + 0.01 + 0.09 + 0.01) / 4), Metrics.rmse(pred, truth), 1e-12);
        assertEquals(1.0, Metrics.spearman(pred, truth), 1e-12);
        assertEquals(-1.0, Metrics.spearman(new double[] {4, 3, 2, 1}, truth), 1e-12);
        assertEquals((0.1 / 1 + 0.1 / 2 + 0.3 / 3 + 0.1 / 4) / 4, Metrics.are(pred, truth), 1e-12);
    }

    @Test
    void anOffsetSharedByEveryPredictionIsSeparatedFromTheSpread() {
        double[] truth = {3.0, 3.1, 3.2, 3.3, 3.4};
        double[] errors = {0.05, 0.02, 0.03, 0.06, -0.01};
        double[] pred = new double[truth.length];
        for (int i = 0; i < pred.length; i++) {
            pred[i] = truth[i] + errors[i];
        }
        Metrics m = Metrics.of(pred, truth, Double.NaN, 0);
        assertEquals(0.03, m.finalMedianError(), 1e-12);
        assertEquals(0.034, m.finalMae(), 1e-12);
        // |0.02| + |-0.01| + 0 + |0.03| + |-0.04|, over five
        assertEquals(0.02, m.finalMaeLessOffset(), 1e-12);
        assertEquals(5, m.runs());

        double[] shifted = pred.clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] -= 0.5;
        }
        Metrics moved = Metrics.of(shifted, truth, Double.NaN, 0);
        assertEquals(0.03 - 0.5, moved.finalMedianError(), 1e-12);
        assertEquals(m.finalMaeLessOffset(), moved.finalMaeLessOffset(), 1e-12, "an offset alone leaves the spread as it was");
        assertTrue(moved.finalMae() > 0.4);
    }

    @Test
    void medianOfOddAndEvenCountsLeavesItsInputAlone() {
        double[] odd = {3, -1, 2};
        assertEquals(2, dev.ncpl.math.Stats.median(odd));
        assertArrayEquals(new double[] {3, -1, 2}, odd);
        assertEquals(1.5, dev.ncpl.math.Stats.median(new double[] {4, 1, 2, -7}));
        assertTrue(Double.isNaN(dev.ncpl.math.Stats.median(new double[0])));
    }

    @Test
    void tiesGetAverageRanks() {
        assertArrayEquals(new double[] {1.5, 1.5, 3, 4}, Metrics.ranks(new double[] {5, 5, 7, 9}));
    }

    @Test
    void curveErrorSkipsTheFirstTenthOfTraining() {
        List<Run> runs = Fixtures.runs(10, 2, 0.0, 1, "fx");
        List<Prediction> preds = new ArrayList<>();
        for (Run r : runs) {
            double[] losses = r.curve().losses();
            // off by 1.0 at the first point (inside the first 10% of these 12-point curves? no: at 1/12 ≈ 8%)
            losses[0] += 1.0;
            for (int i = 1; i < losses.length; i++) {
                losses[i] += 0.01;
            }
            preds.add(new Prediction(r.id(), r.curve().finalLoss() + 0.02, r.curve().steps(), losses));
        }
        Map<String, Metrics> m = Evaluator.score(runs, preds);
        Metrics train = m.get("fx/train");
        assertEquals(0.02, train.finalMae(), 1e-9);
        assertEquals(0.01, train.curveMae(), 1e-9);
        assertEquals(8L * 11, train.curvePoints());
        assertTrue(m.containsKey("all"));
    }

    @Test
    void declinedRunsAreLeftOutAndCounted() {
        List<Run> runs = Fixtures.runs(5, 1, 0.0, 1, "fx");
        List<Prediction> preds = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            double fin = i == 0 ? Double.NaN : r.curve().finalLoss() + 0.1;
            preds.add(new Prediction(r.id(), fin, r.curve().steps(), r.curve().losses()));
        }
        Metrics m = Evaluator.score(runs, preds, Run::source).get("fx");
        assertEquals(4, m.runs());
        assertEquals(0.1, m.finalMae(), 1e-9);
    }

    @Test
    void runsThatStopEarlyAreScoredAtTheirLastLoggedStep() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(4, 1, 0.0, 1, "fx"));
        Run full = runs.get(0);
        runs.set(0, full.withCurve(full.curve().prefix(full.number("schedule.total_steps").orElseThrow() / 2)));
        assertTrue(runs.get(0).stopsEarly());
        List<Prediction> preds = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            // the curve right at every logged step; the final loss 0.01 off, and 0.3 off for the run cut at half
            // its schedule, as a schedule's end lies well below where it stopped
            double fin = r.curve().finalLoss() + (i == 0 ? -0.3 : 0.01);
            preds.add(new Prediction(r.id(), fin, r.curve().steps(), r.curve().losses()));
        }
        Metrics m = Evaluator.score(runs, preds, Run::source).get("fx");
        assertEquals(4, m.runs());
        assertEquals(1, m.stoppedEarly());
        assertEquals(3 * 0.01 / 4, m.finalMae(), 1e-9, "the cut run scored on its curve at its last step");
        assertEquals((0.3 + 3 * 0.01) / 4, m.finalMaeAtScheduleEnd(), 1e-9, "and at its schedule's end");
        assertEquals(0.01, m.finalMaeReachingScheduleEnd(), 1e-9, "and without it");

        Metrics none = Evaluator.score(runs.subList(1, 4), preds.subList(1, 4), Run::source).get("fx");
        assertEquals(0, none.stoppedEarly());
        assertEquals(none.finalMae(), none.finalMaeAtScheduleEnd(), 1e-12);
        assertEquals(none.finalMae(), none.finalMaeReachingScheduleEnd(), 1e-12);
    }
}
