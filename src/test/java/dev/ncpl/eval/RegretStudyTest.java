package dev.ncpl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Regret of predictor picks and of Step Law's rule, on a hand-made grid with known answers. */
class RegretStudyTest {
    @Test
    void regretIsTheGapToTheBestRunOfEachCell() {
        List<Run> runs = new ArrayList<>();
        double[] lrs = {1e-4, 1e-3, 1e-2};
        double[] losses = {3.10, 3.00, 3.20};
        for (int i = 0; i < 3; i++) {
            Run r = Fixtures.run("r" + i, "alpha", "in_val", 8, 512, lrs[i], 20, 0, new Random(i));
            ((ObjectNode) r.config().get("optimizer")).put("lr", lrs[i]);
            runs.add(r.withCurve(new Curve(new double[] {10}, new double[] {losses[i]})));
        }
        // a run of another size forms a cell of one: left out
        runs.add(Fixtures.run("lone", "alpha", "in_val", 6, 384, 1e-3, 20, 0, new Random(9)));
        RegretStudy study = new RegretStudy(runs);
        // a predictor that prefers the first run: regret 0.10
        List<Prediction> preds = new ArrayList<>();
        double[] predicted = {2.9, 3.0, 3.1, 3.0};
        for (int i = 0; i < runs.size(); i++) {
            preds.add(new Prediction(runs.get(i).id(), predicted[i], new double[0], new double[0]));
        }
        Map<String, RegretStudy.Summary> m = study.addPredictor("p", preds);
        assertEquals(1, m.get("alpha").cells());
        assertEquals(0.10, m.get("alpha").meanRegret(), 1e-9);
        assertEquals(0, m.get("alpha").bestPicks());
        // the rule's optimum for this N and D decides its pick
        Run nearest = runs.subList(0, 3).stream()
                .min(java.util.Comparator.comparingDouble(RegretStudy::ruleDistance)).orElseThrow();
        double expected = nearest.curve().finalLoss() - 3.00;
        assertEquals(expected, study.addRule().get("alpha").meanRegret(), 1e-9);
        assertEquals(2, study.summaries().size());
    }
}
