package dev.ncpl.train;

import dev.ncpl.curve.CurveModels;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.model.NcplModel;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.runs.Run;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.ProgressBar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * The one path that fits the models beside a trained network, used by {@code train} (at the end of a training),
 * {@code refit} (again, on the same runs) and {@code calibrate} (the intervals alone): the curve models (runs in
 * progress, curve shape) and the residual models of the final loss on the training runs, then the prediction
 * intervals on the held-out runs' errors. Each step shows a progress bar.
 */
public final class PosthocFitter {
    private PosthocFitter() {}

    /** The curve models and the residual models of a network, to be saved into its folder. */
    public record CurvesAndResiduals(CurveModels curves, ResidualModels residuals) {
        /** Writes them into {@code modelDir}, each file atomically. */
        public void save(Path modelDir) throws IOException {
            curves.save(modelDir);
            residuals.save(modelDir.resolve(ResidualModels.FILE));
        }
    }

    /** A model's prediction intervals: config-only, and for runs in progress (null without curves to cut). */
    public record Intervals(PredictionIntervals config, ConditionedIntervals conditioned) {
        /** Writes them into {@code modelDir}, each file atomically. */
        public void save(Path modelDir) throws IOException {
            config.save(modelDir.resolve(PredictionIntervals.FILE));
            if (conditioned != null) {
                conditioned.save(modelDir.resolve(ConditionedIntervals.FILE));
            }
        }
    }

    /**
     * Fits the curve models and residual models of {@code network} on {@code training} (the runs whose optimizer
     * it knows) with the post-hoc settings its {@code model.json} records, seeded by {@code seed}; under {@code parent}'s where it is a fine-tuning: the parent's parts keep
     * the sources it knows, these serve the rest.
     */
    public static CurvesAndResiduals fitCurvesAndResiduals(NcplModel network, List<Run> training, long seed,
                                                           ParentModel parent) throws IOException {
        PosthocSettings settings = network.manifest().posthocSettings();
        try (ProgressBar bar = new ProgressBar("fit curve and residual models", 2)) {
            bar.status("curve models");
            BlendedPredictor alone = new BlendedPredictor(network, "ncpl");
            List<Run> usable = training.stream().filter(alone::knowsOptimizer).toList();
            double[] predicted = alone.predictFinal(usable);
            Map<Run, Double> finals = new IdentityHashMap<>();
            for (int i = 0; i < usable.size(); i++) {
                finals.put(usable.get(i), predicted[i]);
            }
            CurveModels parentCurves = parent == null ? null : parent.curveModels();
            CurveModels curves;
            boolean finalsOnly = usable.stream().noneMatch(PosthocFitter::hasCurveToLearnFrom);
            if (finalsOnly && parentCurves != null && parentCurves.prefix() != null && parentCurves.shape() != null) {
                // final losses only (a sweep that logged no curves): nothing to learn a curve law from, so the
                // parent's pooled laws serve the new sources' curves
                curves = parentCurves;
            } else if (finalsOnly) {
                // and no parent to lean on: the network's own curve heads draw the curves, with no laws beside them
                curves = new CurveModels(null, null);
            } else {
                curves = CurveModels.fit(usable, network.baseline(), seed, finals, settings.curves());
                if (parentCurves != null) {
                    curves = curves.under(parentCurves);
                }
            }
            bar.step(1);
            bar.status("residual trees and Gaussian processes");
            ResidualModels residuals = ResidualModels.fit(training, network.baseline(), seed, settings.residual());
            if (parent != null) {
                residuals = residuals.under(parent.residualTrees(),
                        training.stream().map(Run::source).collect(Collectors.toSet()));
            }
            bar.step(1);
            return new CurvesAndResiduals(curves, residuals);
        }
    }

    /**
     * Fits the intervals of {@code blend} on the errors of its predictions {@code predicted} of {@code heldOut} (the
     * runs in progress' ones too, where {@code prefix} is given and the runs have curves); {@code growth} is the widening per unit of
     * distance beyond a source's training range, {@code unseen} the widening for sources never seen, and {@code
     * conditionedResiduals} receives each cut's errors (for a coverage report).
     */
    public static Intervals fitIntervals(BlendedPredictor blend, List<Run> training, List<Run> heldOut,
                                         List<dev.ncpl.predict.Prediction> predicted, double growth,
                                         PredictionIntervals.UnseenSources unseen, PrefixConditioner prefix,
                                         BiConsumer<Double, List<IntervalFitter.Residuals>> conditionedResiduals) {
        try (ProgressBar bar = new ProgressBar("fit intervals", 2)) {
            bar.status("final loss and curve");
            PredictionIntervals config = IntervalFitter.fit(training,
                    IntervalFitter.residuals(heldOut, predicted), growth,
                    blend.model().manifest().posthocSettings().intervals().minRuns()).withUnseenSources(unseen);
            bar.step(1);
            bar.status("runs in progress");
            ConditionedIntervals conditioned = prefix == null || ConditionedIntervals.withCurves(heldOut).isEmpty() ? null
                    : ConditionedIntervals.fit(training, heldOut, blend, prefix, growth, conditionedResiduals);
            bar.step(1);
            return new Intervals(config, conditioned);
        }
    }

    private static boolean hasCurveToLearnFrom(Run run) {
        return run.hasCurve() && run.curve().size() >= 2;
    }
}
