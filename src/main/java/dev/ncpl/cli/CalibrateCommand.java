package dev.ncpl.cli;

import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.train.PosthocFitter;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.IntervalFitter.Coverage;
import dev.ncpl.uncertainty.IntervalFitter.Residuals;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ncpl calibrate}: fits (again) the prediction intervals of a trained predictor on its held-out
 * runs, prints the coverage they reach (cross-fitted, and on the held-back size for a model trained
 * under the extrapolation protocol) and writes intervals.json into the model folder.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Fit the prediction intervals of a trained predictor on the held-out runs of its protocol, print "
                + "their measured coverage and write intervals.json into the model folder. Training does this itself; "
                + "use it for models trained before, or to change --growth.")
public final class CalibrateCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--growth", paramLabel = "G",
            description = "Relative widening of the intervals per unit of ln N or ln D beyond the sizes and budgets "
                    + "a source was trained on (default: the model's posthoc.intervals.growth).")
    Double growthOption;

    @Option(names = "--level", paramLabel = "P", defaultValue = "" + PredictionIntervals.DEFAULT_LEVEL,
            description = "Nominal coverage whose measured coverage is printed (default: ${DEFAULT-VALUE}).")
    double level;

    @Override
    public Integer call() throws Exception {
        PredictionIntervals.checkLevel(level);
        ModelData md = ModelData.of(model.model, data);
        try (BlendedPredictor predictor = BlendedPredictor.load(model.model)) {
            PosthocSettings.Intervals settings = predictor.model().manifest().posthocSettings().intervals();
            double growth = growthOption != null ? growthOption : settings.growth();
            if (!(growth >= 0 && Double.isFinite(growth))) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--growth must be a finite number >= 0, got " + growth);
            }
            int minRuns = settings.minRuns();
            List<Run> validation = md.validation();
            List<Prediction> predicted = predictor.predict(validation);
            List<Residuals> cal = IntervalFitter.residuals(validation, predicted);
            PrefixConditioner prefix = PrefixConditioner.loadIfPresent(model.model);
            // a fine-tuning on one source's runs cannot measure the widening: it keeps the one it has
            PosthocFitter.Intervals fitted = PosthocFitter.fitIntervals(predictor, md.training(), validation, predicted,
                    growth, IntervalFitter.unseenSources(md.training(), predictor.model().baseline().sources().keySet(),
                            PredictionIntervals.loadIfPresent(model.model)), prefix,
                    (f, residuals) -> System.out.println(CalibrationReport.table(String.format(Locale.ROOT,
                            "runs in progress, %.0f%% of training seen: cross-fitted on the held-out runs (%d folds)",
                            100 * f, IntervalFitter.FOLDS), IntervalFitter.crossValidated(md.training(), residuals,
                            growth, level, minRuns), level)));
            PredictionIntervals intervals = fitted.config();
            if (intervals.unseenSources() != null) {
                System.out.println(CalibrationReport.unseenSources(intervals.unseenSources(), level));
            }
            System.out.println(CalibrationReport.table("cross-fitted on the held-out runs (" + IntervalFitter.FOLDS
                    + " folds)", IntervalFitter.crossValidated(md.training(), cal, growth, level, minRuns),
                    level));
            if (md.protocol() == dev.ncpl.eval.Protocol.EXTRAPOLATION) {
                List<Run> heldBack = md.evaluation();
                Map<String, Coverage> cov = IntervalFitter.coverage(intervals,
                        IntervalFitter.residuals(heldBack, predictor.predict(heldBack)), level);
                System.out.println(CalibrationReport.table("on the held-back largest size", cov, level));
                if (fitted.conditioned() != null) {
                    for (double f : ConditionedIntervals.FRACTIONS) {
                        System.out.println(CalibrationReport.table(String.format(Locale.ROOT, "runs in progress, "
                                + "%.0f%% of training seen, on the held-back largest size", 100 * f),
                                fitted.conditioned().coverage(heldBack, predictor, prefix, f, level), level));
                    }
                }
            }
            fitted.save(model.model);
            System.out.println("wrote " + model.model.resolve(PredictionIntervals.FILE)
                    + (fitted.conditioned() == null ? "" : " and " + model.model.resolve(ConditionedIntervals.FILE)));
            RefitLog.record(model.model, String.format(Locale.ROOT, "ncpl calibrate --growth %s", growth), md.files(),
                    fitted.conditioned() == null ? List.of(PredictionIntervals.FILE)
                            : List.of(PredictionIntervals.FILE, ConditionedIntervals.FILE));
        }
        return 0;
    }
}
