package dev.ncpl.study;

import ai.djl.Device;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaFitter;
import dev.ncpl.eval.Evaluator;
import dev.ncpl.eval.Metrics;
import dev.ncpl.model.NcplModel;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.predict.LossPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.train.PredictorTrainer;
import dev.ncpl.train.Recipe;
import dev.ncpl.train.SourceAdaptation;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.FileNames;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The new-source protocol: for each source S with enough runs, a model trained without S (the parent, from the
 * study's recipe with S left out) is given k runs of S and predicts the others. With k = 0 the parent predicts
 * them as it is; with k &gt; 0 it is adapted as {@code ncpl train --from} adapts it (the adaptation recipe, on the
 * k runs with their splits cleared, so a fifth is held out for early stopping and calibration). Beside it, on the
 * same scored runs: the Chinchilla law fitted on the same k runs, the exponents those cannot identify borrowed
 * from the parent's best-identified law (k = 0: the parent's pooled law), and the adaptation recipe trained on the
 * k runs alone from scratch. Each draw's result is kept in the work folder, keyed by the parent and the runs
 * given and the build, so a study interrupted goes on where it stopped; a model trained without a source is kept
 * with the key of its runs and recipe (delete the work folder after changing how models train).
 */
public final class NewSourceStudy {
    /** The predictors of a draw, as the report names them. */
    public static final String NCPL = "ncpl";
    public static final String LAW = "law";
    public static final String SCRATCH = "scratch";
    /** The network fine-tuned on the k runs, where {@code train --from} chose to correct the parent instead. */
    public static final String FINE_TUNE = "fine-tune";

    /**
     * What a study runs.
     *
     * @param parentRecipe the recipe of the model trained without each source
     * @param adaptRecipe the recipe that adapts it to k runs (as {@code train --from}) and that trains on them alone
     * @param ks the numbers of runs given
     * @param draws seeded draws for each k &gt; 0
     * @param minRuns runs a source needs to be left out
     * @param smallestSizes whether to run the second variant (k runs of the smallest sizes, the largest scored)
     * @param scratch whether to train the adaptation recipe on the k runs alone
     * @param seed the seed of the draws
     * @param readAs how the corrections read a new source's runs ({@link SourceAdaptation}'s {@code readAs})
     */
    public record Settings(Recipe parentRecipe, Recipe adaptRecipe, List<Integer> ks, int draws, int minRuns,
                           boolean smallestSizes, boolean scratch, long seed, String readAs) {
        public Settings {
            ks = List.copyOf(ks);
            if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 0)) {
                throw new IllegalArgumentException("--k: give one or more numbers of runs, each 0 or more: " + ks);
            }
            if (draws < 1) {
                throw new IllegalArgumentException("--draws: at least 1, not " + draws);
            }
            if (minRuns < 1) {
                throw new IllegalArgumentException("--min-runs: at least 1, not " + minRuns);
            }
        }
    }

    /**
     * One predictor's figures on one draw.
     *
     * @param runs scored runs it predicted
     * @param declined scored runs it could not predict (an optimizer or a key its training never showed)
     * @param coverage share of final losses inside the 80% interval (NaN: the predictor has no intervals)
     * @param width mean width of that interval
     */
    public record Score(String predictor, int runs, int declined, double mae, double spearman, double medianError,
                        double curveMae, double coverage, double width, String failure) {
        /** A predictor whose training failed: no run scored, and why. */
        static Score failed(String predictor, int scored, String why) {
            return new Score(predictor, 0, scored, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    why);
        }
    }

    /** A draw's scores, with what was given and scored. */
    public record Result(String source, String variant, int k, int draw, int given, int scored, List<Score> scores,
                         double seconds) {}

    /**
     * The build this study runs: the SHA-256 of ncpl's jar, or "classes" when run from compiled classes (tests). A
     * draw's result is reused only by the same build: another may adapt or score differently.
     */
    private static final String BUILD = build();

    private final Settings settings;
    private final Path work;
    private final PrintStream log;

    public NewSourceStudy(Settings settings, Path work, PrintStream log) {
        this.settings = settings;
        this.work = work;
        this.log = log;
    }

    /**
     * Runs the study on {@code all} (every source's runs) for {@code sources} (empty: every source with at least
     * {@code minRuns} runs), adding each draw's result to {@code report} as it comes and rewriting the report after
     * each source, when {@code reportDir} is given. Sources are left out in the order of {@code sources}.
     */
    public NewSourceReport run(List<Run> all, List<String> sources, List<String> runFiles, Path reportDir)
            throws IOException {
        Map<String, List<Run>> bySource = new TreeMap<>();
        all.forEach(r -> bySource.computeIfAbsent(r.source(), s -> new ArrayList<>()).add(r));
        for (String s : sources) {
            if (!bySource.containsKey(s)) {
                throw new IllegalArgumentException("--sources: no run of source '" + s + "' in the run files (they hold "
                        + String.join(", ", bySource.keySet()) + ")");
            }
        }
        // in the order asked for (a long study does the sources that matter most first), else by name
        List<String> chosen = new ArrayList<>();
        for (String s : sources.isEmpty() ? bySource.keySet() : new java.util.LinkedHashSet<>(sources)) {
            if (bySource.get(s).size() >= settings.minRuns() && bySource.size() > 1) {
                chosen.add(s);
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no source to leave out: the study needs two sources or more, and "
                    + settings.minRuns() + " runs of a source to leave it out");
        }
        NewSourceReport report = new NewSourceReport(settings, runFiles);
        Files.createDirectories(work);
        for (String source : chosen) {
            List<Run> others = all.stream().filter(r -> !r.source().equals(source)).toList();
            Path parent = parent(source, others);
            List<NewSourceDraws.Draw> draws = new ArrayList<>();
            for (int k : settings.ks()) {
                draws.addAll(NewSourceDraws.random(source, bySource.get(source), k, settings.draws(), settings.seed()));
                if (settings.smallestSizes()) {
                    draws.addAll(NewSourceDraws.smallestSizes(source, bySource.get(source), k, settings.draws(),
                            settings.seed()));
                }
            }
            for (NewSourceDraws.Draw d : draws) {
                Result r = runDraw(parent, d);
                report.add(r);
                log.printf(Locale.ROOT, "%s %s k=%d draw %d: %s%n", source, d.variant(), d.k(), d.draw(),
                        String.join("  ", r.scores().stream().map(s -> String.format(Locale.ROOT, "%s %.4f",
                                s.predictor(), s.mae())).toList()));
            }
            if (reportDir != null) {
                report.write(reportDir);
            }
        }
        return report;
    }

    /**
     * The model trained without {@code source}, trained here unless the work folder holds one trained on the same
     * runs with the same recipe (its key, beside it, says so).
     */
    private Path parent(String source, List<Run> others) throws IOException {
        Path dir = Files.createDirectories(FileNames.inside(work, "", source, ""));
        Path runs = dir.resolve("others.jsonl");
        RunWriter.writeAll(runs, others);
        Path model = dir.resolve("parent");
        Path keyFile = dir.resolve("parent.key");
        Recipe recipe = settings.parentRecipe().without(source);
        String key = Hashing.sha256((Hashing.sha256(runs) + "|" + Json.MAPPER.valueToTree(recipe))
                .getBytes(StandardCharsets.UTF_8));
        if (Files.isRegularFile(model.resolve(NcplModel.MANIFEST)) && Files.isRegularFile(keyFile)
                && key.equals(Files.readString(keyFile).strip())) {
            log.printf(Locale.ROOT, "%s: the model trained without it is in %s%n", source, model);
            return model;
        }
        log.printf(Locale.ROOT, "%s: training a model on the %d runs of the other sources%n", source, others.size());
        Files.deleteIfExists(keyFile);
        new PredictorTrainer(recipe, Device.cpu(), log).train(List.of(runs), model);
        AtomicFiles.writeString(keyFile, key + "\n");
        return model;
    }

    /** One draw, or its result kept from an earlier run of the study. */
    private Result runDraw(Path parent, NewSourceDraws.Draw d) throws IOException {
        Path dir = Files.createDirectories(parent.getParent().resolve(
                String.format(Locale.ROOT, "%s-k%d-d%d", d.variant(), d.k(), d.draw())));
        String key = Hashing.sha256((Hashing.sha256(parent.resolve(NcplModel.MANIFEST)) + "|"
                + String.join(",", d.given().stream().map(Run::id).toList()) + "|"
                + String.join(",", d.scored().stream().map(Run::id).toList()) + "|" + settings.scratch()
                + "|" + Json.MAPPER.valueToTree(settings.adaptRecipe()) + "|" + settings.readAs() + "|" + BUILD)
                .getBytes(StandardCharsets.UTF_8));
        Path kept = dir.resolve("result.json");
        if (Files.isRegularFile(kept)) {
            var node = Json.MAPPER.readTree(kept.toFile());
            if (key.equals(node.path("key").asText())) {
                return Json.MAPPER.treeToValue(node.get("result"), Result.class);
            }
        }
        long start = System.nanoTime();
        List<Score> scores = new ArrayList<>();
        try (BlendedPredictor parentModel = BlendedPredictor.load(parent)) {
            Baseline parentLaws = parentModel.model().baseline();
            if (d.k() == 0) {
                scores.add(score(NCPL, parentModel, PredictionIntervals.loadIfPresent(parent), d.scored()));
                scores.add(score(LAW, new ChinchillaPredictor(parentLaws), null, d.scored()));
            } else {
                Path given = dir.resolve("given.jsonl");
                // a team's own runs come without a split: the adaptation holds out its own fifth
                RunWriter.writeAll(given, d.given().stream().map(NewSourceStudy::unsplit).toList());
                // what train --from does: corrections where every run is of a new source it can read, else fine-tuning
                boolean corrects = SourceAdaptation.servesAll(parent, d.given());
                Path adapted = dir.resolve("adapted");
                if (corrects) {
                    trainAndScore(NCPL, () -> new SourceAdaptation(parent, settings.adaptRecipe().seed(), quietUnless(),
                            settings.readAs())
                            .adapt(List.of(given), adapted), adapted, d, scores);
                }
                trainAndScore(corrects ? FINE_TUNE : NCPL, () -> new PredictorTrainer(settings.adaptRecipe(), Device.cpu(),
                        quietUnless()).fineTuneFrom(parent).train(List.of(given), adapted), adapted, d, scores);
                String best = parentLaws.bestIdentifiedSource();
                Baseline law = Baseline.fit(d.given(), new ChinchillaFitter(parentLaws.law(best),
                        "the left-out source's parent law of " + best));
                scores.add(score(LAW, new ChinchillaPredictor(law), null, d.scored()));
                if (settings.scratch()) {
                    Path scratch = dir.resolve("scratch");
                    trainAndScore(SCRATCH, () -> new PredictorTrainer(settings.adaptRecipe(), Device.cpu(), quietUnless())
                            .train(List.of(given), scratch), scratch, d, scores);
                }
            }
        }
        Result result = new Result(d.source(), d.variant(), d.k(), d.draw(), d.given().size(), d.scored().size(),
                scores, (System.nanoTime() - start) / 1e9);
        var node = Json.MAPPER.createObjectNode();
        node.put("key", key);
        node.set("result", Json.MAPPER.valueToTree(result));
        AtomicFiles.writeString(kept, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        return result;
    }

    /** A training of the study's, which writes a model folder. */
    private interface Training {
        void run() throws IOException;
    }

    /**
     * Runs {@code training} into {@code dir} and scores the model as {@code name}; a training that fails (a recipe
     * that cannot learn from these runs: final losses without curves, say) is recorded as failed, with its
     * message, and the study goes on.
     */
    private void trainAndScore(String name, Training training, Path dir, NewSourceDraws.Draw d, List<Score> scores)
            throws IOException {
        try {
            training.run();
        } catch (IllegalArgumentException | IOException e) {
            log.printf(Locale.ROOT, "%s %s k=%d draw %d: %s failed: %s%n", d.source(), d.variant(), d.k(), d.draw(), name,
                    e.getMessage());
            scores.add(Score.failed(name, d.scored().size(), e.getMessage()));
            return;
        }
        scoreModel(name, dir, d.scored(), scores);
    }

    /** Scores the model in {@code dir} (which this study trained) as {@code name}, then deletes it. */
    private static void scoreModel(String name, Path dir, List<Run> scored, List<Score> scores) throws IOException {
        try (BlendedPredictor p = BlendedPredictor.load(dir)) {
            scores.add(score(name, p, PredictionIntervals.loadIfPresent(dir), scored));
        }
        deleteCreated(dir);
    }

    /** The adaptations' own logs are long: they go to the study's log only at the verbose level. */
    private PrintStream quietUnless() {
        return Boolean.getBoolean("ncpl.study.verbose") ? log : new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    private static Run unsplit(Run r) {
        return new Run(r.id(), r.source(), null, r.metric(), r.config(), r.curve());
    }

    /** The figures of {@code predictor} on {@code scored}, the runs it cannot predict left out and counted. */
    static Score score(String name, LossPredictor predictor, PredictionIntervals intervals, List<Run> scored) {
        List<Run> predictable = scored;
        if (predictor instanceof BlendedPredictor b) {
            predictable = scored.stream().filter(b::canPredict).toList();
        }
        int declined = scored.size() - predictable.size();
        if (predictable.isEmpty()) {
            return new Score(name, 0, declined, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        }
        List<Prediction> preds = predictor.predict(predictable);
        Metrics m = Evaluator.score(predictable, preds, r -> "all").get("all");
        double coverage = Double.NaN;
        double width = Double.NaN;
        if (intervals != null) {
            IntervalFitter.Coverage c = IntervalFitter.coverage(intervals, IntervalFitter.residuals(predictable, preds),
                    PredictionIntervals.DEFAULT_LEVEL).get(PredictionIntervals.POOLED);
            coverage = c.finalCoverage();
            width = c.finalWidth();
        }
        return new Score(name, m.runs(), declined, m.finalMae(), m.spearman(), m.finalMedianError(), m.curveMae(),
                coverage, width, null);
    }

    private static String build() {
        try {
            Path code = Path.of(NewSourceStudy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(code) ? Hashing.sha256(code) : "classes";
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Deletes a model folder this study trained into its own work folder. */
    private static void deleteCreated(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
