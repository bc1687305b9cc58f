package dev.ncpl.predict;

import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Predicts runs from their config and the beginning of their curve: observed points are returned as
 * observed, later ones come from the {@link PrefixConditioner}, averaged over its predictions from the
 * last {@value #ANCHORS} observed points (one logged loss is noisy; two anchors did better than one, three no
 * better than two). A run
 * with nothing observed (no point after step 0) gets the config-only prediction of the neural predictor.
 * The observed part is either everything the input curve holds (a run in progress) or, for
 * evaluation, the points up to a fraction of the schedule.
 */
public final class ConditionedPredictor implements LossPredictor {
    /** Observed points the continuation is predicted from, at most. */
    static final int ANCHORS = 2;
    private final BlendedPredictor configOnly;
    private final PrefixConditioner conditioner;
    private final Double observedFraction;

    /**
     * @param observedFraction treat the points up to this fraction of each run's schedule as observed
     *     (the rest is hidden, as in an evaluation); null: the input's whole curve is observed
     */
    public ConditionedPredictor(BlendedPredictor configOnly, PrefixConditioner conditioner, Double observedFraction) {
        if (observedFraction != null && !(observedFraction > 0 && observedFraction <= 1)) {
            throw new IllegalArgumentException("observed fraction must be in (0, 1], got " + observedFraction);
        }
        this.configOnly = configOnly;
        this.conditioner = conditioner;
        this.observedFraction = observedFraction;
    }

    /** The config-only predictor it continues from. */
    public BlendedPredictor configOnly() {
        return configOnly;
    }

    /** The share of each run's schedule treated as observed, or null when a run's whole curve is. */
    public Double observedFraction() {
        return observedFraction;
    }

    @Override
    public String name() {
        return observedFraction == null ? configOnly.name() + "+prefix"
                : String.format(Locale.ROOT, "%s+prefix@%.0f%%", configOnly.name(), observedFraction * 100);
    }

    @Override
    public List<Prediction> predict(List<Run> runs) {
        java.util.function.Function<Run, double[]> stepsOf = observedFraction == null
                ? PredictionSteps::continuing : PredictionSteps::of;
        List<Prediction> base = configOnly.predict(runs, stepsOf);
        List<Prediction> out = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            out.add(condition(runs.get(i), base.get(i)));
        }
        return out;
    }

    private Prediction condition(Run run, Prediction configOnlyPrediction) {
        if (!run.hasCurve()) {
            return configOnlyPrediction;
        }
        double total = Scale.totalSteps(run).orElse(run.curve().lastStep() + 1);
        Curve seen = observedFraction == null ? run.curve() : run.curve().prefix(observedFraction * total);
        int o = -1;
        for (int i = 0; i < seen.size(); i++) {
            if (seen.step(i) > 0) {
                o = i;
            }
        }
        if (o < 0) {
            return configOnlyPrediction;
        }
        double observedStep = seen.step(o);
        PrefixConditioner.Continuation continuation = conditioner.continuation(run,
                configOnly.model().baseline().law(configOnly.read(run).source()), configOnlyPrediction.finalLoss());
        double observedLoss = seen.loss(o);
        double[] steps = configOnlyPrediction.steps();
        double[] seenSteps = seen.steps();
        double[] losses = new double[steps.length];
        for (int j = 0; j < steps.length; j++) {
            int k = java.util.Arrays.binarySearch(seenSteps, steps[j]);
            losses[j] = steps[j] <= observedStep && k >= 0 ? seen.loss(k)
                    : continued(continuation, seen, o, Math.max(steps[j], observedStep));
        }
        double finalStep = observedFraction == null ? total - 1 : run.curve().lastStep();
        double finalLoss = finalStep <= observedStep ? observedLoss
                : continued(continuation, seen, o, finalStep);
        return new Prediction(run.id(), finalLoss, steps, losses);
    }

    /** The loss at {@code step}: the conditioner's mean over the last observed points (up to point {@code o}). */
    private static double continued(PrefixConditioner.Continuation continuation, Curve seen, int o, double step) {
        double sum = 0;
        int used = 0;
        for (int a = o; a > o - ANCHORS && a >= 0 && seen.step(a) > 0; a--) {
            sum += continuation.predict(seen.step(a), seen.loss(a), step);
            used++;
        }
        return sum / used;
    }
}
