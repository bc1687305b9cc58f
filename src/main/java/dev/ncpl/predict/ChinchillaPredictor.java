package dev.ncpl.predict;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.List;

/**
 * The Chinchilla baseline as a predictor: the final loss is L(N, D) of the run's source, and the
 * curve at step t is L(N, tokens seen by t). It ignores every other hyperparameter by design.
 */
public final class ChinchillaPredictor implements LossPredictor {
    private final Baseline baseline;

    public ChinchillaPredictor(Baseline baseline) {
        this.baseline = baseline;
    }

    @Override
    public String name() {
        return "chinchilla";
    }

    @Override
    public List<Prediction> predict(List<Run> runs) {
        List<Prediction> out = new ArrayList<>(runs.size());
        for (Run run : runs) {
            Scale s = Scale.of(run);
            ChinchillaLaw law = baseline.law(run.source());
            double batchTokens = Scale.batchTokens(run).orElse(s.tokens() / Scale.totalSteps(run).orElse(1.0));
            double[] steps = PredictionSteps.of(run);
            double[] losses = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                losses[i] = law.predict(s.params(), Math.max(1, steps[i]) * batchTokens);
            }
            out.add(new Prediction(run.id(), law.predict(s.params(), s.tokens()), steps, losses));
        }
        return out;
    }
}
