package dev.ncpl.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.curve.CurveModels;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.eval.Metrics;
import dev.ncpl.eval.Protocol;
import dev.ncpl.model.FeatureExtractor;
import dev.ncpl.model.ModelConfig;
import dev.ncpl.model.ModelFolder;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.NcplNetwork;
import dev.ncpl.model.Provenance;
import dev.ncpl.model.RequiredKeys;
import dev.ncpl.model.ResidualScale;
import dev.ncpl.model.RunFeatures;
import dev.ncpl.model.TargetStats;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.text.ConfigSerializer;
import dev.ncpl.text.ConfigTokenizer;
import dev.ncpl.text.DerivedExtra;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.text.NumericScaler;
import dev.ncpl.text.SerializedConfig;
import dev.ncpl.uncertainty.ConditionedIntervals;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import dev.ncpl.util.ProgressBar;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Trains an NCPL predictor from a {@link Recipe}: fits the Chinchilla baseline on the training runs,
 * builds the tokenizer and numeric statistics, then trains each ensemble member through the recipe's
 * stages with AdamW (warmup + cosine), Huber loss on standardised residuals and early stopping on
 * the validation runs of the target sources; the intervals are calibrated on the validation runs of every
 * source. Everything is written to {@code <out>.staging/}; a
 * checkpoint is written atomically after every epoch, an interrupted training resumes from it, and
 * the finished model replaces {@code out} in one rename.
 */
public final class PredictorTrainer {
    private static final int VALIDATION_BATCH = 256;
    /** Element-wise gradient clipping: keeps one odd batch from throwing the network off. */
    private static final float CLIP_GRAD = 1f;
    /**
     * Times a step whose loss or gradient came out non-finite is tried again, with the same batch, queries and
     * dropout, before it is skipped. On CPU such a step comes now and then with no cause in the data (the same step
     * is finite in another run of the same recipe), and a retry gives what a run without it computes, so a seed
     * gives the same model whether or not one came.
     */
    private static final int MAX_RETRIES = 2;
    /** Share of steps that may be skipped for a non-finite gradient before training is declared diverged. */
    private static final double MAX_SKIPPED = 0.01;
    private final Recipe recipe;
    private final Device device;
    private final PrintStream log;
    private final List<Double> epochLosses = new ArrayList<>();
    private long steps;
    private long skipped;
    /** Steps tried again after a non-finite loss or gradient (with the same dropout). */
    private long retried;
    /** What was not finite in the last step that failed, for the training log. */
    private String skipReason;
    private int interruptAfterEpochs = -1;
    private long failingStep = -1;
    private int failedAttempts;
    private ParentModel parent;
    /** Whether the fine-tuned members started with fresh heads (see {@link #freshHeads}); null before any did. */
    private Boolean startedWithFreshHeads;

    public PredictorTrainer(Recipe recipe, Device device, PrintStream log) {
        this.recipe = recipe;
        this.device = device;
        this.log = log;
    }

    /** What a training produced. */
    public record Result(Path model, double seconds, double posthocSeconds, Map<String, Double> validationMae,
                         boolean resumed, List<Double> epochLosses, long skippedSteps) {}

    /**
     * Fine-tunes the model in {@code parentDir} instead of training from scratch: its network shape,
     * numeric statistics (widened to the new runs), target standardisation and weights are the start;
     * its vocabulary grows by the new runs' words; sources the parent never saw get Chinchilla laws fitted on
     * their runs, with what those cannot identify taken from the parent's best-identified law
     * (ParentModel#newSourceLaws), and each copy starts centred on their runs (NewSourceCentering); sources it
     * knows keep its laws moved to the level of the new runs (see ParentModel#relevel).
     */
    public PredictorTrainer fineTuneFrom(Path parentDir) throws IOException {
        if (Files.isRegularFile(dev.ncpl.bundle.ModelFile.CORRECTIONS.in(parentDir))) {
            throw new IllegalArgumentException(parentDir + ": adapted to new sources without training ("
                    + dev.ncpl.bundle.ModelFile.CORRECTIONS.fileName() + "), which a fine-tuned network would not keep: "
                    + "fine-tune the model it was adapted from, on these runs and those it was adapted to");
        }
        this.parent = ParentModel.load(parentDir);
        return this;
    }

    /** Share of the training runs held out for early stopping and calibration when the runs have no in_val. */
    static final double HOLD_OUT = 0.2;

    /**
     * Simulates a non-finite gradient on the first attempt of optimizer step {@code n} (from 1), after its forward
     * and backward pass as a real one comes; for tests.
     */
    void failStepOnce(long n) {
        this.failingStep = n;
    }

    /** Simulates an interruption (a killed process) right after the n-th epoch's checkpoint; for tests. */
    void interruptAfterEpochs(int n) {
        this.interruptAfterEpochs = n;
    }

    /** Says which sources had no in_val runs, and how many of their runs were held out in their stead. */
    private void logSeededValidation(List<Run> all) {
        Set<String> held = Protocol.seededValidation(all);
        if (held.isEmpty()) {
            return;
        }
        Map<String, int[]> counts = new java.util.TreeMap<>();
        for (Run r : all) {
            int[] c = counts.computeIfAbsent(r.source(), k -> new int[2]);
            c[0] += held.contains(r.id()) ? 1 : 0;
            c[1]++;
        }
        counts.forEach((source, c) -> {
            if (c[0] > 0) {
                log.printf(Locale.ROOT, "source '%s' has no in_val runs: holding out %d of its %d runs (those whose ids "
                        + "hash lowest) for validation%n", source, c[0], c[1]);
            }
        });
    }

    /** Checkpoint state, rewritten after every epoch. */
    record State(String fingerprint, int member, int stage, int epoch, double best, int badEpochs,
                 int completedMembers) {}

    public Result train(List<Path> runFiles, Path out) throws IOException {
        long start = System.nanoTime();
        Protocol protocol = Protocol.parse(recipe.protocol() == null ? "in_val" : recipe.protocol());
        Split split = split(RunReader.readAll(runFiles), protocol);
        Path target = ModelFolder.checkReplaceable(out);
        Path staging = ModelFolder.stagingOf(target);
        Start begun = startOrResume(staging, fingerprint(runFiles));
        State state = begun.state();
        try {
            Baseline baseline = parent == null ? Baseline.fit(split.train())
                    : parent.relevel(parent.baseline().withNewSources(parent.newSourceLaws(split.train())), split.train(),
                    log);
            baseline.save(staging.resolve(NcplModel.BASELINE));
            try (Prepared prepared = prepare(split, baseline, staging)) {
                ModelManifest manifest = manifest(prepared, split,
                        provenance(runFiles, split.train().size(), split.validation().size(), 0, Map.of(), protocol));
                long totalEpochs = recipe.ensemble() * (long) recipe.stages().stream().mapToInt(Recipe.Stage::epochs).sum();
                try (ProgressBar bar = new ProgressBar("train", totalEpochs)) {
                    for (int m = 0; m < recipe.ensemble(); m++) {
                        if (m < state.completedMembers()) {
                            bar.step(totalEpochs / recipe.ensemble());
                            continue;
                        }
                        state = trainMember(m, prepared.config(), prepared.train(), prepared.validation(),
                                prepared.stats(), staging, state, bar);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Json.writePretty(staging.resolve(NcplModel.MANIFEST), manifest);
                Map<String, Double> valMae = fitPosthoc(split, staging);
                manifest = manifest.withProvenance(provenance(runFiles, split.train().size(), split.validation().size(),
                        seconds, valMae, protocol));
                publish(staging, target, manifest, out.getFileName().toString());
                return new Result(out, seconds, (System.nanoTime() - start) / 1e9 - seconds, valMae, begun.resumed(),
                        List.copyOf(epochLosses), skipped);
            }
        } catch (IOException | RuntimeException e) {
            reportStaging(staging);
            throw e;
        }
    }

    /** The runs a training learns from and those it early-stops and calibrates on. */
    /**
     * @param train the runs the networks learn from
     * @param validation the held-out runs of the target sources, which stop training early
     * @param calibration the held-out runs of every source, on which the intervals are calibrated (as {@code ncpl
     *     calibrate} does): a source that is not a target still gets intervals of its own
     */
    private record Split(List<Run> train, List<Run> validation, List<Run> calibration) {}

    /**
     * The protocol's training runs, its validation runs of the target sources and of every source; where no
     * validation run is left (a few runs of a team's own), a seeded fifth of the training runs is held out instead.
     */
    private Split split(List<Run> all, Protocol protocol) {
        checkSourcesPresent(all);
        List<Run> trainRuns = protocol.training(all);
        List<Run> heldOut = protocol.validation(all);
        List<Run> valRuns = heldOut.stream().filter(r -> isTarget(r.source())).toList();
        logSeededValidation(all);
        if (valRuns.isEmpty() && trainRuns.size() >= 5) {
            // a team's own runs rarely come split: hold some out to stop early and to calibrate intervals on
            List<Run> shuffled = new ArrayList<>(trainRuns);
            java.util.Collections.shuffle(shuffled, new Random(recipe.seed()));
            int held = Math.max(1, (int) Math.round(HOLD_OUT * shuffled.size()));
            valRuns = List.copyOf(shuffled.subList(0, held));
            heldOut = valRuns;
            trainRuns = List.copyOf(shuffled.subList(held, shuffled.size()));
            log.printf(Locale.ROOT, "no in_val runs: holding out %d of the runs (seeded) for early stopping and "
                    + "calibration%n", held);
        }
        if (trainRuns.isEmpty()) {
            throw new IllegalArgumentException("no training runs: the run files hold no runs of split 'train' (or "
                    + "without a split) usable under protocol " + protocol.id());
        }
        boolean everyHeldOutIsATarget = heldOut.equals(valRuns);
        valRuns = withKnownOptimizers(valRuns, trainRuns);
        log.printf(Locale.ROOT, "training on %d runs, validating on %d (%s)%n", trainRuns.size(), valRuns.size(),
                protocol.id());
        return new Split(trainRuns, valRuns, everyHeldOutIsATarget ? valRuns : withKnownOptimizers(heldOut, trainRuns));
    }

    /** The checkpoint state to start from, and whether it resumes an earlier training of the same recipe and runs. */
    private record Start(State state, boolean resumed) {}

    private Start startOrResume(Path staging, String fingerprint) throws IOException {
        State state = ModelFolder.isStaging(staging) ? readState(staging) : null;
        boolean resumed = state != null && state.fingerprint().equals(fingerprint);
        ModelFolder.prepareStaging(staging, resumed);
        if (!resumed) {
            return new Start(new State(fingerprint, 0, 0, -1, Double.POSITIVE_INFINITY, 0, 0), false);
        }
        log.printf(Locale.ROOT, "resuming from %s: member %d, stage %d, epoch %d%n", staging, state.member(),
                state.stage(), state.epoch() + 1);
        return new Start(state, true);
    }

    /**
     * What the networks are trained from: the tokenizer (written into the staging folder), the numeric scaler, the
     * target standardisation, the network's shape and the encoded examples.
     */
    private record Prepared(ConfigTokenizer tokenizer, NumericScaler scaler, TargetStats stats, ModelConfig config,
                            ResidualScale residualScale, Set<DerivedExtra> extras, List<TrainingExample> train,
                            List<TrainingExample> validation) implements AutoCloseable {
        @Override
        public void close() {
            tokenizer.close();
        }
    }

    private Prepared prepare(Split split, Baseline baseline, Path staging) throws IOException {
        // a fine-tuned network keeps the text and the residual unit its parent's weights were trained on
        Set<DerivedExtra> extras = parent != null ? parent.manifest().extras() : recipe.extras();
        List<SerializedConfig> serialized = split.train().stream().map(r -> ConfigSerializer.serialize(r, null, extras))
                .toList();
        NumericScaler scaler = parent == null ? NumericScaler.fit(serialized)
                : parent.manifest().scaler().extendedWith(NumericScaler.fit(serialized));
        Path tokenizerFile = staging.resolve(NcplModel.TOKENIZER);
        ConfigTokenizer tokenizer = parent == null ? ConfigTokenizer.build(serialized, tokenizerFile)
                : ConfigTokenizer.extend(parent.tokenizer(), serialized, tokenizerFile);
        try {
            ResidualScale residualScale = parent != null ? parent.manifest().finalResidualScale()
                    : recipe.finalResidualScale();
            FeatureExtractor fx = new FeatureExtractor(tokenizer, scaler, baseline, residualScale, extras);
            List<RunFeatures> trainFeatures = split.train().stream().map(fx::features).toList();
            TargetStats stats = targetStats(split.train(), trainFeatures);
            List<TrainingExample> train = examples(split.train(), trainFeatures, fx, stats);
            List<TrainingExample> val = examples(split.validation(),
                    split.validation().stream().map(fx::features).toList(), fx, stats);
            int longest = trainFeatures.stream().mapToInt(f -> f.encoded().length()).max().orElse(1);
            Recipe.Network n = recipe.model();
            ModelConfig cfg = parent != null ? parent.network(tokenizer.vocabularySize())
                    : new ModelConfig(tokenizer.vocabularySize(), Math.max(256, 2 * longest), n.dModel(),
                    n.heads(), n.layers(), n.ffHidden(), n.headHidden(), FeatureExtractor.QUERY_FEATURES, n.dropout());
            if (longest > cfg.maxLength()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "a config serializes to %d tokens, more "
                        + "than the %d the network takes", longest, cfg.maxLength()));
            }
            return new Prepared(tokenizer, scaler, stats, cfg, residualScale, extras, train, val);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The manifest of the model being trained: its network, text, known optimizers and keys, and settings. */
    private ModelManifest manifest(Prepared prepared, Split split, Provenance provenance) {
        List<String> members = new ArrayList<>();
        for (int m = 0; m < recipe.ensemble(); m++) {
            members.add(ModelFile.member(m));
        }
        TreeSet<String> optimizers = new TreeSet<>();
        if (parent != null && parent.manifest().knownOptimizers() != null) {
            optimizers.addAll(parent.manifest().knownOptimizers());
        }
        split.train().forEach(r -> r.text("optimizer.name").ifPresent(o -> optimizers.add(o.toLowerCase(Locale.ROOT))));
        return new ModelManifest(NcplModel.FORMAT, prepared.config(), prepared.scaler(), prepared.stats(), members,
                List.copyOf(optimizers), provenance, prepared.residualScale().id(), DerivedExtra.ids(prepared.extras()),
                RequiredKeys.of(split.train(), parent == null ? null : parent.manifest().required()),
                recipe.posthocSettings());
    }

    /**
     * Fits the models beside the trained networks in {@code staging} (curve models, residual models, intervals on
     * every source's validation runs) and returns the blend's final-loss MAE on the target sources' validation runs,
     * by source.
     */
    private Map<String, Double> fitPosthoc(Split split, Path staging) throws IOException {
        log.printf(Locale.ROOT, "fitting the curve models (runs in progress, curve shape), the residual trees "
                + "and the intervals on %d runs%n", split.train().size());
        try (NcplModel network = NcplModel.load(staging, device)) {
            PosthocFitter.CurvesAndResiduals fitted = PosthocFitter.fitCurvesAndResiduals(network, split.train(),
                    recipe.seed(), parent);
            fitted.save(staging);
            BlendedPredictor blend = new BlendedPredictor(network, "ncpl", fitted.curves().shape(),
                    fitted.residuals());
            List<Prediction> predicted = blend.predict(split.validation());
            List<Prediction> calibrated = split.calibration().equals(split.validation()) ? predicted
                    : blend.predict(split.calibration());
            if (split.calibration().size() < IntervalFitter.MIN_CALIBRATION_RUNS) {
                withoutCalibratedIntervals(split.calibration().size(), staging);
            } else {
                PosthocFitter.fitIntervals(blend, split.train(), split.calibration(), calibrated,
                        recipe.posthocSettings().intervals().growth(), unseenSources(split.train(), network.baseline()),
                        fitted.curves().prefix(), (f, r) -> { }).save(staging);
            }
            return validationMae(split.validation(), predicted);
        }
    }

    /**
     * With fewer than {@link IntervalFitter#MIN_CALIBRATION_RUNS} held-out runs no interval is calibrated: a
     * fine-tuning keeps its parent's intervals (a source the parent never saw keeps the never-seen widening, wide
     * but honest), a model trained from scratch gets none (its predictions carry no interval).
     */
    private void withoutCalibratedIntervals(int heldOut, Path staging) throws IOException {
        PredictionIntervals parentIntervals = parent == null ? null : PredictionIntervals.loadIfPresent(parent.dir());
        if (parentIntervals == null) {
            log.printf(Locale.ROOT, "%d held-out runs are too few to calibrate intervals (%d needed): the model has "
                    + "none%n", heldOut, IntervalFitter.MIN_CALIBRATION_RUNS);
            return;
        }
        parentIntervals.save(staging.resolve(PredictionIntervals.FILE));
        ConditionedIntervals conditioned = ConditionedIntervals.loadIfPresent(parent.dir());
        if (conditioned != null) {
            conditioned.save(staging.resolve(ConditionedIntervals.FILE));
        }
        log.printf(Locale.ROOT, "%d held-out runs are too few to calibrate intervals (%d needed): the parent's are "
                + "kept, and a source it never saw keeps their never-seen-source widening%n", heldOut,
                IntervalFitter.MIN_CALIBRATION_RUNS);
    }

    /** Writes the final manifest and model card, clears the checkpoints and publishes {@code staging} as {@code target}. */
    private void publish(Path staging, Path target, ModelManifest manifest, String name) throws IOException {
        Json.writePretty(staging.resolve(NcplModel.MANIFEST), manifest);
        AtomicFiles.writeString(staging.resolve("README.md"), ModelCard.render(name, manifest));
        Files.deleteIfExists(staging.resolve("state.json"));
        try (var files = Files.list(staging)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList()) {
                Files.delete(f);
            }
        }
        ModelFolder.publish(staging, target);
    }

    /**
     * After a failed training: says that the staging folder is kept for a resume when it holds a checkpoint, and
     * removes it when it holds none (nothing would resume from it).
     */
    private void reportStaging(Path staging) {
        try {
            if (Files.isRegularFile(staging.resolve("state.json"))) {
                log.printf(Locale.ROOT, "the training so far is kept in %s: run the same command again to resume "
                        + "from its last epoch, or delete that folder%n", staging);
            } else if (ModelFolder.isStaging(staging)) {
                ModelFolder.discardStaging(staging);
            }
        } catch (IOException | RuntimeException e) {
            log.printf(Locale.ROOT, "could not clear %s: %s%n", staging, e.getMessage());
        }
    }

    /**
     * The validation runs whose optimizer the model will know (one of the training runs', or its parent's, or none
     * named): the model refuses to predict the others, so they can neither stop training early nor calibrate
     * intervals, and are left out with a note.
     */
    private List<Run> withKnownOptimizers(List<Run> valRuns, List<Run> trainRuns) {
        Set<String> known = new TreeSet<>();
        trainRuns.forEach(r -> r.text("optimizer.name").ifPresent(o -> known.add(o.toLowerCase(Locale.ROOT))));
        if (parent != null && parent.manifest().knownOptimizers() != null) {
            known.addAll(parent.manifest().knownOptimizers());
        }
        List<Run> kept = valRuns.stream().filter(r -> r.text("optimizer.name")
                .map(o -> known.contains(o.toLowerCase(Locale.ROOT))).orElse(true)).toList();
        if (kept.size() < valRuns.size()) {
            Set<String> unknown = new TreeSet<>();
            valRuns.stream().filter(r -> !kept.contains(r)).forEach(r -> unknown.add(r.text("optimizer.name").get()));
            log.printf(Locale.ROOT, "leaving %d validation runs out: their optimizers (%s) have no training run%n",
                    valRuns.size() - kept.size(), String.join(", ", unknown));
        }
        return kept;
    }

    /** Refuses a recipe that names a source (a target, or a stage's) of which the run files hold no run. */
    private void checkSourcesPresent(List<Run> all) {
        Set<String> present = new TreeSet<>();
        all.forEach(r -> present.add(r.source()));
        List<String> named = new ArrayList<>();
        if (recipe.targetSources() != null) {
            recipe.targetSources().forEach(s -> named.add("target_sources: " + s));
        }
        recipe.stages().forEach(st -> {
            if (st.sources() != null) {
                st.sources().forEach(s -> named.add("stage '" + st.name() + "' sources: " + s));
            }
        });
        for (String n : named) {
            String source = n.substring(n.lastIndexOf(": ") + 2);
            if (!present.contains(source)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "recipe %s, field %s: no run of source "
                        + "'%s' in the run files (their sources: %s)", recipe.name(), n.substring(0, n.lastIndexOf(':')),
                        source, String.join(", ", present)));
            }
        }
    }

    private boolean isTarget(String source) {
        return recipe.targetSources() == null || recipe.targetSources().isEmpty()
                || recipe.targetSources().contains(source);
    }

    private static TargetStats targetStats(List<Run> runs, List<RunFeatures> feats) {
        double fs = 0;
        double fss = 0;
        double cs = 0;
        double css = 0;
        long cn = 0;
        for (int i = 0; i < runs.size(); i++) {
            RunFeatures f = feats.get(i);
            double r = f.finalResidual(runs.get(i).curve().finalLoss());
            fs += r;
            fss += r * r;
            for (int j = 0; j < runs.get(i).curve().size(); j++) {
                double step = runs.get(i).curve().step(j);
                if (step >= FeatureExtractor.MIN_FRACTION * f.schedule().total()) {
                    double c = runs.get(i).curve().loss(j) - FeatureExtractor.curveBaseline(f, step);
                    cs += c;
                    css += c * c;
                    cn++;
                }
            }
        }
        int n = runs.size();
        double fm = fs / n;
        double cm = cn > 0 ? cs / cn : 0;
        return new TargetStats(fm, Math.max(1e-4, Math.sqrt(fss / n - fm * fm)), cm,
                cn > 0 ? Math.max(1e-4, Math.sqrt(css / cn - cm * cm)) : 1);
    }

    private static List<TrainingExample> examples(List<Run> runs, List<RunFeatures> feats, FeatureExtractor fx,
                                                  TargetStats ts) {
        List<TrainingExample> out = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            RunFeatures f = feats.get(i);
            List<float[]> qs = new ArrayList<>();
            List<Float> ts2 = new ArrayList<>();
            for (int j = 0; j < run.curve().size(); j++) {
                double step = run.curve().step(j);
                if (step >= FeatureExtractor.MIN_FRACTION * f.schedule().total()) {
                    qs.add(fx.query(f, step));
                    double r = run.curve().loss(j) - FeatureExtractor.curveBaseline(f, step);
                    ts2.add((float) ((r - ts.curveMean()) / ts.curveStd()));
                }
            }
            float[] targets = new float[ts2.size()];
            for (int j = 0; j < targets.length; j++) {
                targets[j] = ts2.get(j);
            }
            double fin = run.curve().finalLoss();
            double finalTarget = (f.finalResidual(fin) - ts.finalMean()) / ts.finalStd();
            checkFinite(run, f, qs, targets, finalTarget);
            out.add(new TrainingExample(run.source(), f, fin, (float) finalTarget,
                    qs.toArray(new float[0][]), targets));
        }
        return out;
    }

    /** A run whose features or targets are not finite numbers is refused by id before any training. */
    private static void checkFinite(Run run, RunFeatures f, List<float[]> queries, float[] targets, double finalTarget) {
        boolean ok = Double.isFinite(finalTarget);
        for (float v : f.encoded().numbers()) {
            ok &= Float.isFinite(v);
        }
        for (float[] q : queries) {
            for (float v : q) {
                ok &= Float.isFinite(v);
            }
        }
        for (float v : targets) {
            ok &= Float.isFinite(v);
        }
        if (!ok) {
            throw new IllegalArgumentException(run.id() + ": its config gives non-finite features or targets "
                    + "(check N, D, the schedule and the losses)");
        }
    }

    private State trainMember(int m, ModelConfig cfg, List<TrainingExample> train, List<TrainingExample> val,
                              TargetStats stats, Path staging, State state, ProgressBar bar) throws IOException {
        long memberSeed = recipe.seed() + 7919L * m;
        Engine.getInstance().setRandomSeed((int) memberSeed);
        NcplNetwork net = new NcplNetwork(cfg);
        StageSchedule schedule = new StageSchedule();
        Optimizer optimizer = Optimizer.adamW().optLearningRateTracker(schedule)
                .optWeightDecays((float) recipe.weightDecay()).optClipGrad(CLIP_GRAD).build();
        int k = recipe.curvePointsPerRun();
        Path last = staging.resolve("checkpoint-" + m + "-last.params");
        Path best = staging.resolve("checkpoint-" + m + "-best.params");
        boolean resumeMember = state.member() == m && (state.epoch() >= 0 || state.stage() > 0)
                && Files.isRegularFile(last);
        try (Model model = Model.newInstance("ncpl-member-" + m, device)) {
            if (resumeMember) {
                // loaded parameters count as initialized: the trainer's initialize below leaves them as they are
                NcplModel.loadParameters(last, net, model.getNDManager());
            }
            try (Trainer trainer = newTrainer(model, net, optimizer)) {
                trainer.initialize(new Shape(2, 16), new Shape(2, 16), new Shape(2, 16), new Shape(2, 16),
                        new Shape(2, k, FeatureExtractor.QUERY_FEATURES));
                if (!resumeMember && parent != null) {
                    startedWithFreshHeads = freshHeads(train);
                    if (m == 0 && startedWithFreshHeads) {
                        log.println("every fine-tuning run is of a source the parent never saw: the heads start afresh,"
                                + " the encoder is the parent's");
                    }
                    parent.copyInto(m, net, stats, startedWithFreshHeads);
                    NewSourceCentering.apply(net, model.getNDManager(), train.stream()
                            .filter(e -> !parent.baseline().knows(e.source())).toList(), log);
                }
                if (!resumeMember) {
                    state = new State(state.fingerprint(), m, 0, -1, Double.POSITIVE_INFINITY, 0, state.completedMembers());
                }
                for (int s = 0; s < recipe.stages().size(); s++) {
                    Recipe.Stage stage = recipe.stages().get(s);
                    if (s < state.stage()) {
                        bar.step(stage.epochs());
                        continue;
                    }
                    List<TrainingExample> data = train.stream().filter(e -> stage.sources() == null
                            || stage.sources().isEmpty() || stage.sources().contains(e.source())).toList();
                    int perEpoch = (data.size() + recipe.batchSize() - 1) / recipe.batchSize();
                    schedule.start(stage.lr(), Math.round(stage.warmupEpochs() * perEpoch), (long) stage.epochs() * perEpoch);
                    int firstEpoch = s == state.stage() ? state.epoch() + 1 : 0;
                    int badEpochs = s == state.stage() ? state.badEpochs() : 0;
                    bar.step(firstEpoch);
                    for (int epoch = firstEpoch; epoch < stage.epochs(); epoch++) {
                        Random rnd = new Random(memberSeed * 1_000_003L + s * 10_007L + epoch);
                        List<Integer> order = new ArrayList<>();
                        for (int i = 0; i < data.size(); i++) {
                            order.add(i);
                        }
                        java.util.Collections.shuffle(order, rnd);
                        double lossSum = 0;
                        for (int bi = 0; bi < perEpoch; bi++) {
                            schedule.setStep((long) epoch * perEpoch + bi);
                            List<TrainingExample> batch = new ArrayList<>();
                            for (int i = bi * recipe.batchSize(); i < Math.min(data.size(), (bi + 1) * recipe.batchSize()); i++) {
                                batch.add(data.get(order.get(i)));
                            }
                            StepInputs inputs = stepInputs(batch, k, rnd);
                            long stepSeed = memberSeed * 1_000_003L + s * 10_007L + epoch * 100_003L + bi;
                            double loss = Double.NaN;
                            for (int attempt = 0; attempt <= MAX_RETRIES && !Double.isFinite(loss); attempt++) {
                                if (attempt > 0) {
                                    retried++;
                                    log.printf(Locale.ROOT, "%nretrying step %d (member %d, stage '%s', epoch %d, batch "
                                            + "%d): %s%n", steps + 1, m, stage.name(), epoch + 1, bi + 1, skipReason);
                                }
                                // the same dropout on a retry, and whatever came before
                                Engine.getInstance().setRandomSeed((int) (stepSeed ^ (stepSeed >>> 32)));
                                loss = step(trainer, inputs);
                            }
                            steps++;
                            if (!Double.isFinite(loss)) {
                                skipped++;
                                log.printf(Locale.ROOT, "%nskipped step %d (member %d, stage '%s', epoch %d, batch %d): %s%n",
                                        steps, m, stage.name(), epoch + 1, bi + 1, skipReason);
                                if (skipped > Math.max(3, MAX_SKIPPED * steps)) {
                                    throw new IllegalStateException(String.format(Locale.ROOT,
                                            "training diverged: %d of %d steps gave a non-finite loss or gradient (last in "
                                            + "stage '%s', epoch %d, batch %d); lower the stage's lr in the recipe",
                                            skipped, steps, stage.name(), epoch + 1, bi + 1));
                                }
                                continue;
                            }
                            lossSum += loss;
                        }
                        epochLosses.add(lossSum / perEpoch);
                        double mae = validate(trainer, val, stats);
                        if (mae < state.best() - 1e-7 || (val.isEmpty() && epoch == stage.epochs() - 1)) {
                            NcplModel.saveParameters(net, best);
                            state = new State(state.fingerprint(), m, s, epoch, mae, 0, state.completedMembers());
                            badEpochs = 0;
                        } else {
                            badEpochs++;
                        }
                        NcplModel.saveParameters(net, last);
                        state = new State(state.fingerprint(), m, s, epoch, state.best(), badEpochs, state.completedMembers());
                        Json.writePretty(staging.resolve("state.json"), state);
                        if (--interruptAfterEpochs == 0) {
                            throw new IllegalStateException("training interrupted after the checkpoint (test hook)");
                        }
                        bar.status(String.format(Locale.ROOT, "m%d %s loss %.4f val MAE %.4f best %.4f", m, stage.name(),
                                lossSum / perEpoch, mae, state.best()));
                        bar.step(1);
                        if (!val.isEmpty() && badEpochs >= recipe.patience()) {
                            bar.step(stage.epochs() - epoch - 1);
                            break;
                        }
                    }
                    state = new State(state.fingerprint(), m, s + 1, -1, state.best(), 0, state.completedMembers());
                    Json.writePretty(staging.resolve("state.json"), state);
                }
                Path source = Files.isRegularFile(best) ? best : last;
                Files.copy(source, staging.resolve(ModelFile.member(m)),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                state = new State(state.fingerprint(), m + 1, 0, -1, Double.POSITIVE_INFINITY, 0, m + 1);
                Json.writePretty(staging.resolve("state.json"), state);
                return state;
            }
        }
    }

    private Trainer newTrainer(Model model, NcplNetwork net, Optimizer optimizer) {
        model.setBlock(net);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer)
                .optDevices(new Device[] {device});
        return model.newTrainer(config);
    }

    /** The arrays of one training step: configs, curve queries drawn for it, and their targets. */
    private record StepInputs(List<EncodedConfig> enc, float[][][] queries, float[] finalTargets, float[] curveTargets,
                              float[] curveMask, int k) {}

    /** The inputs of a step on {@code batch}, with {@code k} curve points drawn per run from {@code rnd}. */
    private static StepInputs stepInputs(List<TrainingExample> batch, int k, Random rnd) {
        int b = batch.size();
        float[][][] queries = new float[b][k][];
        float[] curveTargets = new float[b * k];
        float[] curveMask = new float[b * k];
        float[] finalTargets = new float[b];
        List<EncodedConfig> enc = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            TrainingExample e = batch.get(i);
            enc.add(e.features().encoded());
            finalTargets[i] = e.finalTarget();
            int n = e.curveTargets().length;
            for (int j = 0; j < k; j++) {
                if (n == 0) {
                    queries[i][j] = new float[FeatureExtractor.QUERY_FEATURES];
                } else {
                    int p = rnd.nextInt(n);
                    queries[i][j] = e.curveQueries()[p];
                    curveTargets[i * k + j] = e.curveTargets()[p];
                    curveMask[i * k + j] = 1f;
                }
            }
        }
        return new StepInputs(enc, queries, finalTargets, curveTargets, curveMask, k);
    }

    /** One optimizer step; returns its loss, or NaN (and no update) when the loss or a gradient is not finite. */
    private double step(Trainer trainer, StepInputs in) {
        int b = in.enc().size();
        int k = in.k();
        List<EncodedConfig> enc = in.enc();
        float[][][] queries = in.queries();
        float[] finalTargets = in.finalTargets();
        float[] curveTargets = in.curveTargets();
        float[] curveMask = in.curveMask();
        try (NDManager bm = trainer.getManager().newSubManager()) {
            NDList inputs = dev.ncpl.model.BatchBuilder.inputs(bm, enc, queries);
            NDArray fT = bm.create(finalTargets);
            NDArray cT = bm.create(curveTargets, new Shape(b, k));
            NDArray cM = bm.create(curveMask, new Shape(b, k));
            float loss;
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(inputs);
                NDArray lf = huber(out.get(0).sub(fT)).mean();
                NDArray lc = huber(out.get(1).sub(cT)).mul(cM).sum().div(cM.sum().add(1e-6f));
                NDArray total = lf.add(lc.mul((float) recipe.curveWeight()));
                gc.backward(total);
                loss = total.getFloat();
                String nonFinite = !Float.isFinite(loss) ? "loss " + loss : nonFiniteGradient(trainer);
                if (nonFinite == null && failingStep == steps + 1 && failedAttempts++ == 0) {
                    nonFinite = "a non-finite gradient simulated by the test hook";
                }
                if (nonFinite != null) {
                    skipReason = nonFinite;
                    zeroGradients(trainer);
                    return Double.NaN;
                }
            }
            trainer.step();
            return loss;
        }
    }

    /**
     * Whether the gradients are finite. A NaN anywhere in the network reaches the token embedding (the
     * first layer) or, for the heads' own weights, their output layers, so those three are checked.
     *
     * @return what is not finite, or null when all are
     */
    private static String nonFiniteGradient(Trainer trainer) {
        var params = trainer.getModel().getBlock().getParameters();
        for (String name : List.of("tokenEmbedding", "finalOut_weight", "curveOut_weight")) {
            for (var pair : params) {
                if (pair.getKey().endsWith(name)) {
                    try (NDArray g = pair.getValue().getArray().getGradient(); NDArray sum = g.sum()) {
                        if (!Float.isFinite(sum.getFloat())) {
                            return "gradient of " + pair.getKey() + " sums to " + sum.getFloat();
                        }
                    }
                }
            }
        }
        return null;
    }

    /**
     * Clears every gradient, as the optimizer's own update does after a step. Done natively: writing
     * zeros through {@code NDArray.set(Buffer)} was seen to corrupt memory on the PyTorch engine, and
     * arithmetic (g − g, 0·g) cannot clear a NaN.
     */
    private static void zeroGradients(Trainer trainer) {
        for (var pair : trainer.getModel().getBlock().getParameters()) {
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) pair.getValue().getArray());
        }
    }

    private NDArray huber(NDArray d) {
        float delta = (float) recipe.huberDelta();
        NDArray a = d.abs();
        return ai.djl.ndarray.NDArrays.where(a.lte(delta), d.square().mul(0.5f), a.sub(delta / 2).mul(delta));
    }

    /**
     * Whether a fine-tuning starts its members' heads afresh: when none of its training runs is of a source
     * the parent knows (see {@link ParentModel#copyInto}).
     */
    private boolean freshHeads(List<TrainingExample> train) {
        return !train.isEmpty() && train.stream().noneMatch(e -> parent.baseline().knows(e.source()));
    }

    /** Final-loss MAE on the validation runs, averaged over their sources (each source counts once). */
    private static double validate(Trainer trainer, List<TrainingExample> val, TargetStats ts) {
        if (val.isEmpty()) {
            return Double.NaN;
        }
        Map<String, double[]> bySource = new TreeMap<>();
        for (int start = 0; start < val.size(); start += VALIDATION_BATCH) {
            List<TrainingExample> batch = val.subList(start, Math.min(val.size(), start + VALIDATION_BATCH));
            try (NDManager bm = trainer.getManager().newSubManager()) {
                NDList inputs = dev.ncpl.model.BatchBuilder.inputs(bm,
                        batch.stream().map(e -> e.features().encoded()).toList(), null);
                float[] z = trainer.evaluate(inputs).get(0).toFloatArray();
                for (int i = 0; i < batch.size(); i++) {
                    TrainingExample e = batch.get(i);
                    double pred = e.features().finalLoss(ts.finalMean() + ts.finalStd() * z[i]);
                    double[] acc = bySource.computeIfAbsent(e.source(), x -> new double[2]);
                    acc[0] += Math.abs(pred - e.trueFinal());
                    acc[1]++;
                }
            }
        }
        return bySource.values().stream().mapToDouble(a -> a[0] / a[1]).average().orElse(Double.NaN);
    }

    /**
     * The widening of the intervals for sources the model never saw: measured on the training runs, or (a
     * fine-tuning on one source's runs) the parent's, with the new sources counted as known.
     */
    private PredictionIntervals.UnseenSources unseenSources(List<Run> trainRuns, Baseline baseline) throws IOException {
        return IntervalFitter.unseenSources(trainRuns, baseline.sources().keySet(),
                parent == null ? null : PredictionIntervals.loadIfPresent(parent.dir()));
    }

    /** The final-loss MAE of predictions {@code preds} of the validation runs, per source. */
    private static Map<String, Double> validationMae(List<Run> valRuns, List<Prediction> preds) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, List<Integer>> bySource = new TreeMap<>();
        for (int i = 0; i < valRuns.size(); i++) {
            bySource.computeIfAbsent(valRuns.get(i).source(), s -> new ArrayList<>()).add(i);
        }
        bySource.forEach((src, idx) -> out.put(src, Metrics.mae(
                idx.stream().mapToDouble(i -> preds.get(i).finalLoss()).toArray(),
                idx.stream().mapToDouble(i -> valRuns.get(i).curve().finalLoss()).toArray())));
        return out;
    }

    private Provenance provenance(List<Path> files, int trainRuns, int valRuns, double seconds,
                                  Map<String, Double> valMae, Protocol protocol) throws IOException {
        Map<String, String> data = new java.util.LinkedHashMap<>();
        for (Path f : files) {
            data.put(f.getFileName().toString(), Hashing.sha256(f));
        }
        ObjectNode from = null;
        if (parent != null) {
            from = parent.provenance();
            if (startedWithFreshHeads != null) {
                from.put("heads", startedWithFreshHeads ? "fresh" : "copied");
            }
        }
        return new Provenance(data, protocol.id(), true, trainRuns, valRuns, Json.MAPPER.valueToTree(recipe),
                recipe.seed(), Math.round(seconds), steps, skipped, retried, device.toString(),
                Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(), Instant.now().toString(),
                valMae, from, null);
    }

    private String fingerprint(List<Path> files) throws IOException {
        StringBuilder sb = new StringBuilder(Json.MAPPER.writeValueAsString(recipe));
        if (parent != null) {
            sb.append("from ").append(Hashing.sha256(parent.dir().resolve(NcplModel.MANIFEST)));
        }
        for (Path f : files) {
            sb.append(Hashing.sha256(f));
        }
        return Hashing.sha256(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static State readState(Path staging) {
        Path f = staging.resolve("state.json");
        try {
            return Files.isRegularFile(f) ? Json.read(f, State.class) : null;
        } catch (IOException e) {
            return null;
        }
    }

}
