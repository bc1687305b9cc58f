package dev.ncpl.predict;

import dev.ncpl.baseline.PowerLawCurve;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finishes each run's curve from the part observed up to {@code observedFraction} of its schedule with
 * a fitted power law ({@link PowerLawCurve}); the baseline that conditioning on the observed prefix
 * must beat. It reads the input's curve, unlike the config-only predictors.
 */
public final class PowerLawPredictor implements LossPredictor {
    private final double observedFraction;

    public PowerLawPredictor(double observedFraction) {
        if (!(observedFraction > 0 && observedFraction <= 1)) {
            throw new IllegalArgumentException("observed fraction must be in (0, 1], got " + observedFraction);
        }
        this.observedFraction = observedFraction;
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "powerlaw@%.0f%%", observedFraction * 100);
    }

    @Override
    public List<Prediction> predict(List<Run> runs) {
        List<Prediction> out = new ArrayList<>(runs.size());
        for (Run run : runs) {
            double total = Scale.totalSteps(run).orElse(run.hasCurve() ? run.curve().lastStep() + 1 : 1);
            Curve seen = run.curve().prefix(observedFraction * total);
            PowerLawCurve law = PowerLawCurve.fit(seen.steps(), seen.losses(), total);
            double[] steps = PredictionSteps.of(run);
            double[] losses = new double[steps.length];
            for (int i = 0; i < steps.length; i++) {
                losses[i] = law.at(steps[i]);
            }
            double last = run.hasCurve() ? run.curve().lastStep() : total - 1;
            out.add(new Prediction(run.id(), law.at(last), steps, losses));
        }
        return out;
    }
}
