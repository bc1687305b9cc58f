package dev.ncpl.cli;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.eval.EvalReport;
import dev.ncpl.eval.Evaluator;
import dev.ncpl.eval.Metrics;
import dev.ncpl.eval.Protocol;
import dev.ncpl.eval.RegretStudy;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.predict.ConditionedPredictor;
import dev.ncpl.predict.LossPredictor;
import dev.ncpl.predict.PowerLawPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ncpl eval}: scores predictors on held-out runs, always beside the Chinchilla baseline
 * fitted on the same training runs, and writes {@code eval/<name>/report.md}, figures and plots.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score predictors on held-out runs beside the Chinchilla baseline fitted on the same "
                + "training runs; write eval/<name>/report.md, figures.json and PNG plots.")
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--protocol", defaultValue = "in_val",
            description = "in_val (train -> in_val), extrapolation (smaller sizes -> largest size held back) or "
                    + "new-source (each source left out of training, then given k of its runs; trains its own models). "
                    + "Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Mixin
    NewSourceOptions newSource = new NewSourceOptions();

    @Option(names = "--model", paramLabel = "DIR", split = ",",
            description = "Trained predictor folder(s) to score beside the baseline.")
    List<Path> models = new ArrayList<>();

    @Option(names = "--observed", paramLabel = "FRACTION", split = ",",
            description = "Also score predictions that see each curve's first FRACTION of training (for example 0.3): "
                    + "each model conditioned on that prefix, and the power-law extrapolation of it.")
    List<Double> observed = new ArrayList<>();

    @Option(names = "--regret",
            description = "Also measure tuning regret: in each cell of equal N and D, the run each predictor ranks best "
                    + "against the best true run, beside Step Law's lr/batch rule.")
    boolean regret;

    @Option(names = "--score", paramLabel = "FILE", split = ",",
            description = "Score the runs of FILE instead of the protocol's held-out runs, grouped by source and model "
                    + "size (for example your own runs of models larger than any the model learnt from). The baseline "
                    + "still learns from the protocol's training runs in --runs.")
    List<Path> scoreFiles = new ArrayList<>();

    @Option(names = "--name", description = "Report name (default: the protocol).")
    String name;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "${sys:ncpl.home:-.}/eval",
            description = "Folder that receives <name>/ (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        if (NewSourceOptions.PROTOCOL.equals(protocol)) {
            if (!models.isEmpty() || !observed.isEmpty() || regret || !scoreFiles.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--protocol "
                        + NewSourceOptions.PROTOCOL + " trains and scores its own models: --model, --observed, --regret "
                        + "and --score do not apply");
            }
            return newSource.run(data.files(DataOptions.EVERY_SOURCE),
                    outDir.resolve(name != null ? name : NewSourceOptions.PROTOCOL));
        }
        Protocol p = Protocol.parse(protocol);
        List<Path> files = data.filesOf(models, "marin.jsonl", "steplaw.jsonl");
        List<Run> all = RunReader.readAll(files);
        // sources without in_val runs get a seeded one, unless a model given was trained before that existed
        boolean seeded = true;
        for (Path m : models) {
            Path manifest = m.resolve(NcplModel.MANIFEST);
            if (java.nio.file.Files.isRegularFile(manifest)) {
                seeded &= Json.read(manifest, ModelManifest.class).provenance().seededValidation();
            }
        }
        List<Run> train = p.training(all, seeded);
        boolean ownTest = !scoreFiles.isEmpty();
        List<Run> test = ownTest ? RunReader.readAll(scoreFiles) : p.evaluation(all, seeded);
        if (test.isEmpty()) {
            throw new IllegalArgumentException(ownTest ? "no runs to score in " + scoreFiles
                    : "protocol " + p.id() + " leaves no runs to score");
        }
        String reportName = name != null ? name : p.id();
        // scored from a file of their own, runs are told apart by size; when extrapolating, the split of a
        // held-back run does not matter: each source is scored as a whole
        String description = ownTest ? "Protocol `" + p.id() + "`'s training runs; scored on the runs of "
                + String.join(", ", scoreFiles.stream().map(Path::toString).toList()) + "."
                : "Protocol `" + p.id() + "`: " + p.description() + ".";
        java.util.function.Function<Run, String> grouping = ownTest ? Evaluator::groupBySize
                : p == Protocol.EXTRAPOLATION ? Run::source : Evaluator::group;
        EvalReport report = new EvalReport(reportName, description, test, grouping);
        report.provenance("run files", String.join(", ", files.stream().map(Path::toString).toList()));
        report.provenance("runs", String.format(Locale.ROOT, "%d for fitting/training, %d scored", train.size(),
                test.size()));
        Baseline baseline = Baseline.fit(train);
        baseline.sources().forEach((src, f) -> report.provenance("chinchilla " + src,
                f.law() + (f.notes().isEmpty() ? "" : " (" + String.join("; ", f.notes()) + ")")));
        List<LossPredictor> predictors = new ArrayList<>();
        predictors.add(new ChinchillaPredictor(baseline));
        Map<LossPredictor, PredictionIntervals> intervals = new java.util.IdentityHashMap<>();
        for (Path m : models) {
            // one model is "ncpl"; several are told apart by their folder names
            String modelName = models.size() == 1 ? "ncpl" : "ncpl:" + m.getFileName();
            BlendedPredictor neural = PredictorLoader.load(m, modelName, report);
            checkPredictable(neural, test, ownTest ? scoreFiles : files);
            predictors.add(neural);
            PredictionIntervals own = PredictionIntervals.loadIfPresent(m);
            if (own != null) {
                intervals.put(neural, own);
            }
            if (!observed.isEmpty()) {
                PrefixConditioner prefix = PrefixConditioner.load(dev.ncpl.bundle.ModelFile.PREFIX.in(m));
                ConditionedIntervals conditioned = ConditionedIntervals.loadIfPresent(m);
                for (double f : observed) {
                    ConditionedPredictor cp = new ConditionedPredictor(neural, prefix, f);
                    predictors.add(cp);
                    if (conditioned != null && conditioned.at(f) != null) {
                        intervals.put(cp, conditioned.at(f));
                    }
                }
            }
        }
        observed.forEach(f -> predictors.add(new PowerLawPredictor(f)));
        RegretStudy study = regret ? new RegretStudy(test) : null;
        for (LossPredictor pred : predictors) {
            List<Prediction> preds = pred.predict(test);
            Map<String, Metrics> m = report.add(pred.name(), preds);
            print(pred.name(), m);
            if (intervals.containsKey(pred)) {
                ConditionedPredictor cp = pred instanceof ConditionedPredictor c ? c : null;
                BlendedPredictor network = cp != null ? cp.configOnly() : (BlendedPredictor) pred;
                boolean calibratedHere = !ownTest && p == Protocol.IN_VAL && trainedOn(network, files);
                List<IntervalFitter.Residuals> residuals = IntervalFitter.residuals(test, preds);
                if (cp != null) {
                    // observed points are returned as observed: only the predicted ones are scored
                    residuals = ConditionedIntervals.afterCut(residuals, cp.observedFraction());
                }
                coverage(report, calibratedHere, train, pred.name(), intervals.get(pred), residuals,
                        network.model().manifest().posthocSettings().intervals().minRuns());
            }
            if (study != null && !(pred instanceof PowerLawPredictor)) {
                printRegret(pred.name(), study.addPredictor(pred.name(), preds));
            }
        }
        if (study != null) {
            printRegret(RegretStudy.RULE, study.addRule());
            report.section("regret", study.markdown(), study.summaries());
        }
        Path dir = outDir.resolve(reportName);
        report.write(dir);
        System.out.println("wrote " + dir.resolve("report.md"));
        return 0;
    }

    /**
     * Adds the measured coverage of a model's intervals. Where the scored runs are the ones the model was
     * calibrated on (its own in_val runs), the coverage is cross-fitted: each run is scored by intervals
     * calibrated on the other folds. Otherwise (a held-back size, another source's runs) the model's own
     * intervals are scored directly; {@code minRuns}: the model's {@code posthoc.intervals.min_runs}.
     */
    private static void coverage(EvalReport report, boolean calibratedHere, List<Run> train, String model,
                                 PredictionIntervals intervals, List<IntervalFitter.Residuals> residuals,
                                 int minRuns) {
        Map<String, IntervalFitter.Coverage> cov = calibratedHere
                ? IntervalFitter.crossValidated(train, residuals, intervals.growth(), PredictionIntervals.DEFAULT_LEVEL,
                        minRuns)
                : IntervalFitter.coverage(intervals, residuals, PredictionIntervals.DEFAULT_LEVEL);
        String how = calibratedHere ? "of " + model + ", cross-fitted: each run scored by intervals calibrated on the other folds"
                : "of " + model + "'s own intervals, on runs its calibration never saw";
        String table = CalibrationReport.table(how, cov, PredictionIntervals.DEFAULT_LEVEL);
        System.out.print(table);
        report.section("coverage " + model, "\n## Prediction intervals: " + model + "\n\n" + table + "\n", cov);
    }

    /** Whether {@code model} was trained on each of these run files (same contents), so calibrated on their in_val. */
    private static boolean trainedOn(BlendedPredictor model, List<Path> files) throws java.io.IOException {
        Map<String, String> data = model.model().manifest().provenance().data();
        for (Path f : files) {
            if (!dev.ncpl.util.Hashing.sha256(f).equals(data.get(f.getFileName().toString()))) {
                return false;
            }
        }
        return true;
    }

    private static void printRegret(String picker, Map<String, RegretStudy.Summary> m) {
        m.forEach((source, s) -> System.out.printf(Locale.ROOT,
                "%-12s %-18s cells %3d  mean regret %.4f  median %.4f  best picked %d%n",
                picker, source + " regret", s.cells(), s.meanRegret(), s.medianRegret(), s.bestPicks()));
    }

    /** Refuses, at its file and line, the first scored run {@code neural} cannot predict (an optimizer it never saw). */
    private static void checkPredictable(BlendedPredictor neural, List<Run> test, List<Path> files) throws IOException {
        for (Run r : test) {
            try {
                neural.checkPredictable(r);
            } catch (InvalidRunException e) {
                throw RunReader.located(files, e);
            }
        }
    }

    private static void print(String predictor, Map<String, Metrics> m) {
        m.forEach((g, x) -> System.out.printf(Locale.ROOT,
                "%-12s %-18s runs %4d  final MAE %.4f  RMSE %.4f  ARE %.4f  Spearman %.4f  median error %+.4f  "
                        + "MAE less offset %.4f  curve MAE %.4f%s%n", predictor, g, x.runs(), x.finalMae(), x.finalRmse(),
                x.finalAre(), x.spearman(), x.finalMedianError(), x.finalMaeLessOffset(), x.curveMae(),
                x.stoppedEarly() == 0 ? "" : String.format(Locale.ROOT, "  (%d stopped early; at their schedules' end: "
                        + "final MAE %.4f; without them: %.4f)", x.stoppedEarly(), x.finalMaeAtScheduleEnd(),
                        x.finalMaeReachingScheduleEnd())));
    }
}
