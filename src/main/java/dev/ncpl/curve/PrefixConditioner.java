package dev.ncpl.curve;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.learn.BoostedTrees;
import dev.ncpl.math.Cholesky;
import dev.ncpl.math.Stats;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Finishes a curve from its observed beginning: given the last observed point of a run, predicts
 * log(L(t) / L(observed)) at any later step t, as the drop the source's Chinchilla law expects between
 * the tokens seen at the two steps plus a correction learnt from the run's scale, hyperparameters and
 * schedule and from where the observation and the query sit in the schedule (learning rate, share of
 * the learning-rate area spent). One ridge regression on standardized features and their pairwise
 * products per source (and one pooled over all, for sources it never saw), trained on the training
 * runs' curves cut at random fractions, several later points of each cut queried. Each source's law
 * also has gradient-boosted trees fitted to what the ridge regression leaves: they see the same
 * inputs plus every numeric config field that varies in the source (weight decay, betas, an
 * optimizer's own settings…) and the config-only prediction of the network, which has read the whole
 * config. The whole is fitted several times ({@code posthoc.curves.prefix_members}) on different random cuts
 * and the members' predictions averaged; a row that queries a cut's final point weighs as much as the cut's other
 * queried points together. Saved beside a trained predictor as {@value #FILE}.
 */
public final class PrefixConditioner {
    /** File name in a model folder. */
    public static final String FILE = ModelFile.PREFIX.fileName();
    /** The settings of conditioners fitted without a recipe's (tests). */
    static final PosthocSettings.Curves DEFAULTS = PosthocSettings.DEFAULTS.curves();
    /** Key of the model pooled over every source. */
    static final String POOLED = "*";
    /** Per prefix feature, whether it is held inside its training range (the optimizer one-hots after them are not). */
    private static final boolean[] CLAMPED = clampedFeatures();


    /** Which (observed, queried) point pairs of the training curves the laws learn from. */
    enum Pairs {
        /** Random cuts, the final point and a few other later points of each queried. */
        CUTS_FORWARD,
        /** The final point observed, cuts × queries random earlier points queried: a curve's shape back from its end. */
        FROM_FINAL
    }


    /**
     * One fitted law: a ridge regression and, unless it is the pooled law or was fitted without the
     * network's predictions, trees that correct it.
     *
     * @param low each feature's least value in the training rows, or null (a law saved before ranges were kept)
     * @param high each feature's greatest value in the training rows, or null
     * @param trees the correction trees, or null
     * @param treeKeys the numeric config fields the trees read after the prefix features, or null
     */
    public record Law(@JsonProperty("optimizers") List<String> optimizers, @JsonProperty("mean") double[] mean,
                      @JsonProperty("std") double[] std, @JsonProperty("low") double[] low,
                      @JsonProperty("high") double[] high, @JsonProperty("weights") double[] weights,
                      @JsonProperty("rows") int rows, @JsonProperty("trees") BoostedTrees trees,
                      @JsonProperty("tree_keys") List<String> treeKeys) {}

    private final List<Map<String, Law>> members;
    private final double clampMargin;
    private final double minCut;

    /**
     * A conditioner of one or more members, each one law per source (and the pooled law); {@code clampMargin}: how
     * far beyond its training range (as a share of it) a clamped feature may go; {@code minCut}: the earliest
     * fraction of a run it learnt from.
     */
    public PrefixConditioner(List<Map<String, Law>> members, double clampMargin, double minCut) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a conditioner needs at least one member");
        }
        this.members = members.stream().map(Map::copyOf).toList();
        this.clampMargin = clampMargin;
        this.minCut = minCut;
    }

    /** Reads a conditioner in the current format (older files are migrated by {@link ModelFiles}). */
    @JsonCreator
    static PrefixConditioner fromJson(@JsonProperty("members") List<Map<String, Law>> members,
                                      @JsonProperty("clamp_margin") double clampMargin,
                                      @JsonProperty("min_cut") double minCut) {
        if (members == null) {
            throw new IllegalArgumentException("no \"members\" given");
        }
        return new PrefixConditioner(members, clampMargin, minCut);
    }

    /** How far beyond its training range, as a share of that range, a clamped feature may go. */
    @JsonProperty("clamp_margin")
    public double clampMargin() {
        return clampMargin;
    }

    /** The earliest fraction of a run it learnt from. */
    @JsonProperty("min_cut")
    public double minCut() {
        return minCut;
    }

    /** The members: each maps a source (or {@value #POOLED}) to its law. */
    @JsonProperty("members")
    public List<Map<String, Law>> members() {
        return members;
    }

    /** The first member's laws. */
    @JsonIgnore
    public Map<String, Law> laws() {
        return members.get(0);
    }

    /**
     * Fits {@code members} members, each one law per source of {@code runs} (those with curves) and one
     * pooled law, with the default settings otherwise; {@code seed} fixes the first member's cuts, seed + k the
     * k-th's.
     *
     * @param configOnly the config-only final-loss prediction of each run by the network this conditioner
     *     will serve, or null to fit the ridge regressions alone
     */
    public static PrefixConditioner fit(List<Run> runs, Baseline baseline, long seed, int members,
                                        ToDoubleFunction<Run> configOnly) {
        return fit(runs, baseline, seed, members, Pairs.CUTS_FORWARD, configOnly, DEFAULTS);
    }

    /**
     * As {@link #fit(List, Baseline, long, int, ToDoubleFunction)}, learning from the {@code pairs} given, cut and
     * fitted as {@code settings} say.
     */
    static PrefixConditioner fit(List<Run> runs, Baseline baseline, long seed, int members, Pairs pairs,
                                 ToDoubleFunction<Run> configOnly, PosthocSettings.Curves settings) {
        List<Map<String, Law>> fitted = new ArrayList<>();
        for (int k = 0; k < members; k++) {
            fitted.add(fitMember(runs, baseline, seed + k, pairs, configOnly, settings));
        }
        return new PrefixConditioner(fitted, settings.prefixClampMargin(), settings.prefixMinCut());
    }

    private static Map<String, Law> fitMember(List<Run> runs, Baseline baseline, long seed, Pairs pairs,
                                              ToDoubleFunction<Run> configOnly, PosthocSettings.Curves settings) {
        Map<String, List<Run>> bySource = new TreeMap<>();
        for (Run r : runs) {
            if (r.hasCurve() && r.curve().size() >= 2) {
                bySource.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r);
                bySource.computeIfAbsent(POOLED, k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, Law> laws = new TreeMap<>();
        bySource.forEach((source, rs) -> {
            Law law = fitLaw(rs, baseline, seed, pairs, source.equals(POOLED) ? null : configOnly, settings);
            if (law != null) {
                laws.put(source, law);
            }
        });
        if (laws.isEmpty()) {
            throw new IllegalArgumentException("no training run has a curve with two points or more to learn from");
        }
        return laws;
    }

    private static Law fitLaw(List<Run> runs, Baseline baseline, long seed, Pairs pairs, ToDoubleFunction<Run> configOnly,
                              PosthocSettings.Curves settings) {
        TreeSet<String> opts = new TreeSet<>();
        runs.forEach(r -> r.text("optimizer.name").ifPresent(o -> opts.add(o.toLowerCase(Locale.ROOT))));
        List<String> optimizers = List.copyOf(opts);
        Random rnd = new Random(seed);
        List<double[]> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        List<Double> ws = new ArrayList<>();
        List<double[]> treeXs = new ArrayList<>();
        List<String> treeKeys = configOnly == null ? null : ConfigFlattener.varyingNumericKeys(runs);
        for (Run run : runs) {
            LrSchedule schedule = LrSchedule.of(run);
            Scale scale = Scale.of(run);
            ChinchillaLaw chinchilla = baseline.law(run.source());
            double batchTokens = Scale.batchTokens(run).orElse(scale.tokens() / schedule.total());
            Curve c = run.curve();
            double[] runInputs = treeKeys == null ? null
                    : runInputs(run, treeKeys, configOnly.applyAsDouble(run), chinchilla, scale);
            for (int[] pair : pairs(pairs, c, schedule.total(), rnd, settings)) {
                int o = pair[0];
                int j = pair[1];
                double[] x = PrefixFeatures.of(run, schedule, scale, chinchilla, c.step(o), c.loss(o), c.step(j), optimizers);
                xs.add(x);
                if (treeKeys != null) {
                    treeXs.add(concat(x, runInputs));
                }
                ys.add(Math.log(c.loss(j) / c.loss(o))
                        - PrefixFeatures.chinchillaDrop(chinchilla, scale, batchTokens, c.step(o), c.step(j)));
                ws.add(pair[2] == 1 ? settings.prefixQueries() - 1.0 : 1.0);
            }
        }
        if (xs.size() < 10) {
            return null;
        }
        int m = xs.get(0).length;
        // a feature a run lacks (NaN) is left out of its statistics, and read as the mean
        int[] known = new int[m];
        for (double[] x : xs) {
            for (int k = 0; k < m; k++) {
                known[k] += Double.isNaN(x[k]) ? 0 : 1;
            }
        }
        double[] mean = new double[m];
        double[] std = new double[m];
        double[] low = new double[m];
        double[] high = new double[m];
        java.util.Arrays.fill(low, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(high, Double.NEGATIVE_INFINITY);
        for (double[] x : xs) {
            for (int k = 0; k < m; k++) {
                if (!Double.isNaN(x[k])) {
                    mean[k] += x[k] / known[k];
                    low[k] = Math.min(low[k], x[k]);
                    high[k] = Math.max(high[k], x[k]);
                }
            }
        }
        for (double[] x : xs) {
            for (int k = 0; k < m; k++) {
                if (!Double.isNaN(x[k])) {
                    std[k] += (x[k] - mean[k]) * (x[k] - mean[k]) / known[k];
                }
            }
        }
        for (int k = 0; k < m; k++) {
            std[k] = std[k] > 1e-12 ? Math.sqrt(std[k]) : 1;
            if (known[k] == 0) {
                low[k] = 0;
                high[k] = 0;
            }
        }
        Law shape = new Law(optimizers, mean, std, low, high, null, xs.size(), null, null);
        double margin = settings.prefixClampMargin();
        int p = expand(shape, xs.get(0), margin).length;
        double[][] gram = new double[p][p];
        double[] rhs = new double[p];
        for (int i = 0; i < xs.size(); i++) {
            double[] z = expand(shape, xs.get(i), margin);
            double y = ys.get(i);
            double w = ws.get(i);
            for (int a = 0; a < p; a++) {
                if (z[a] == 0) {
                    continue;
                }
                double wz = w * z[a];
                rhs[a] += wz * y;
                for (int b = a; b < p; b++) {
                    gram[a][b] += wz * z[b];
                }
            }
        }
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < a; b++) {
                gram[a][b] = gram[b][a];
            }
            if (a > 0) {
                gram[a][a] += settings.prefixRidge();
            }
        }
        double[] weights = Cholesky.solve(gram, rhs);
        if (treeKeys == null) {
            return new Law(optimizers, mean, std, low, high, weights, xs.size(), null, null);
        }
        double[] left = new double[xs.size()];
        double[] w = new double[xs.size()];
        for (int i = 0; i < xs.size(); i++) {
            left[i] = ys.get(i) - Stats.dot(weights, expand(shape, xs.get(i), margin));
            w[i] = ws.get(i);
        }
        BoostedTrees trees = BoostedTrees.fit(treeXs, left, w, ResidualModels.trees(settings.prefixTrees()));
        return new Law(optimizers, mean, std, low, high, weights, xs.size(), trees, treeKeys);
    }

    /**
     * The (observed index, queried index, 1 if the row is a cut's final-point query else 0) triples
     * that curve {@code c} of a run of {@code total} steps contributes.
     */
    private static List<int[]> pairs(Pairs pairs, Curve c, double total, Random rnd, PosthocSettings.Curves settings) {
        int cuts = settings.prefixCuts();
        int queries = settings.prefixQueries();
        double minCut = settings.prefixMinCut();
        double maxCut = settings.prefixMaxCut();
        List<int[]> out = new ArrayList<>();
        if (pairs == Pairs.FROM_FINAL) {
            int o = c.size() - 1;
            List<Integer> earlier = new ArrayList<>();
            for (int i = 0; i < o; i++) {
                if (c.step(i) > 0 && c.step(i) >= minCut * total) {
                    earlier.add(i);
                }
            }
            for (int q = 0; q < cuts * queries && !earlier.isEmpty(); q++) {
                out.add(new int[] {o, earlier.get(rnd.nextInt(earlier.size())), 0});
            }
            return out;
        }
        for (int cut = 0; cut < cuts; cut++) {
            int o = lastObserved(c, (minCut + (maxCut - minCut) * rnd.nextDouble()) * total);
            if (o < 0) {
                continue;
            }
            int later = c.size() - 1 - o;
            for (int q = 0; q < Math.min(queries, later); q++) {
                out.add(q == 0 ? new int[] {o, c.size() - 1, 1} : new int[] {o, o + 1 + rnd.nextInt(later), 0});
            }
        }
        return out;
    }

    /**
     * The trees' inputs that stay the same for every query of a run: the values of {@code keys} (below
     * every value when a run lacks the field) and the log of the network's config-only final loss over
     * the Chinchilla law's. The trees read them after the prefix features.
     */
    static double[] runInputs(Run run, List<String> keys, double configOnlyFinal, ChinchillaLaw chinchilla, Scale scale) {
        double[] out = new double[keys.size() + 1];
        for (int k = 0; k < keys.size(); k++) {
            out[k] = run.number(keys.get(k)).orElse(-Double.MAX_VALUE);
        }
        out[keys.size()] = Math.log(configOnlyFinal / chinchilla.predict(scale.params(), scale.tokens()));
        return out;
    }

    /** The trees' inputs: {@code a} then {@code b}, a feature the run lacks below every value (as in {@link #runInputs}). */
    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        for (int k = 0; k < a.length; k++) {
            if (Double.isNaN(out[k])) {
                out[k] = -Double.MAX_VALUE;
            }
        }
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The last curve point with a positive step at or before {@code step}, not the run's last point; -1 if none. */
    static int lastObserved(Curve c, double step) {
        int o = -1;
        for (int i = 0; i < c.size() - 1 && c.step(i) <= step; i++) {
            if (c.step(i) > 0) {
                o = i;
            }
        }
        return o;
    }

    private static boolean[] clampedFeatures() {
        Set<String> free = Set.of("log_params", "log_observed_over_chinchilla", "chinchilla_drop");
        boolean[] out = new boolean[PrefixFeatures.NAMES.size()];
        for (int k = 0; k < PrefixFeatures.NAMES.size(); k++) {
            out[k] = !free.contains(PrefixFeatures.NAMES.get(k));
        }
        return out;
    }

    /**
     * 1, the standardized features, and their pairwise products (squares included). The model size, the
     * observed level and the law's expected drop are not clamped to their training range: holding N or
     * the observed level at the edge was measured to extrapolate worse to larger models than the law
     * itself. Every other feature (hyperparameters, positions in the run and in its schedule) is held
     * within a quarter of its training range beyond that range, where the law keeps those ranges: a
     * quadratic in a feature that barely varied in training explodes outside it (a law that saw only schedules
     * decaying to a few percent of the peak, given a constant one, drew a curve rising exponentially). Held at the
     * range's very edge, runs in progress did a little worse than with the margin.
     */
    private static double[] expand(Law law, double[] x, double clampMargin) {
        int m = x.length;
        double[] z = new double[m];
        for (int k = 0; k < m; k++) {
            double v = x[k];
            if (law.low() != null && k < CLAMPED.length && CLAMPED[k]) {
                double margin = clampMargin * (law.high()[k] - law.low()[k]);
                v = Math.max(law.low()[k] - margin, Math.min(law.high()[k] + margin, v));
            }
            z[k] = Double.isNaN(v) ? 0 : (v - law.mean()[k]) / law.std()[k];
        }
        double[] out = new double[1 + m + m * (m + 1) / 2];
        out[0] = 1;
        System.arraycopy(z, 0, out, 1, m);
        int at = 1 + m;
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                out[at++] = z[a] * z[b];
            }
        }
        return out;
    }

    /** A member's law for {@code source}, or its pooled one. */
    private static Law law(Map<String, Law> member, String source) {
        Law l = member.get(source);
        return l != null ? l : member.get(POOLED);
    }

    /**
     * The predicted loss at {@code queryStep} of a run whose loss was {@code observedLoss} at {@code
     * observedStep}; {@code chinchilla} is the law of the run's source in the predictor's baseline,
     * {@code configOnlyFinal} the network's config-only prediction of the run's final loss.
     */
    public double predict(Run run, ChinchillaLaw chinchilla, double observedStep, double observedLoss, double queryStep,
                          double configOnlyFinal) {
        return continuation(run, chinchilla, configOnlyFinal).predict(observedStep, observedLoss, queryStep);
    }

    /**
     * The predictions for one run, with what does not depend on the observed or queried point (schedule,
     * scale, the trees' config inputs) worked out once: a curve asks for many points.
     */
    public Continuation continuation(Run run, ChinchillaLaw chinchilla, double configOnlyFinal) {
        return continuation(run, chinchilla, configOnlyFinal, LrSchedule.of(run));
    }

    /** {@link #continuation(Run, ChinchillaLaw, double)} with the run's schedule, where the caller has it already. */
    public Continuation continuation(Run run, ChinchillaLaw chinchilla, double configOnlyFinal, LrSchedule schedule) {
        List<Law> laws = members.stream().map(m -> law(m, run.source())).toList();
        if (laws.contains(null)) {
            throw new IllegalStateException("no prefix law for source " + run.source());
        }
        return new Continuation(run, chinchilla, laws, configOnlyFinal, schedule, clampMargin);
    }

    /** The conditioner applied to one run; see {@link #continuation}. */
    public static final class Continuation {
        private final Run run;
        private final ChinchillaLaw chinchilla;
        private final List<Law> laws;
        private final double[][] runInputs;
        private final LrSchedule schedule;
        private final Scale scale;
        private final double batchTokens;
        private final double clampMargin;

        private Continuation(Run run, ChinchillaLaw chinchilla, List<Law> laws, double configOnlyFinal,
                             LrSchedule schedule, double clampMargin) {
            this.clampMargin = clampMargin;
            this.run = run;
            this.chinchilla = chinchilla;
            this.laws = laws;
            this.schedule = schedule;
            this.scale = Scale.of(run);
            this.batchTokens = Scale.batchTokens(run).orElse(scale.tokens() / schedule.total());
            this.runInputs = new double[laws.size()][];
            for (int m = 0; m < laws.size(); m++) {
                Law law = laws.get(m);
                runInputs[m] = law.trees() == null ? null
                        : runInputs(run, law.treeKeys(), configOnlyFinal, chinchilla, scale);
            }
        }

        /**
         * The loss at {@code queryStep} of the run, whose loss was {@code observedLoss} at {@code
         * observedStep}: the members' predicted log drops averaged.
         */
        public double predict(double observedStep, double observedLoss, double queryStep) {
            return predictAll(observedStep, observedLoss, new double[] {queryStep})[0];
        }

        /**
         * {@link #predict} at each of {@code querySteps}, each member's trees walked once over all of them (the
         * trees stay in cache while every query walks them).
         */
        public double[] predictAll(double observedStep, double observedLoss, double[] querySteps) {
            int q = querySteps.length;
            double[] s = new double[q];
            double[][] xs = new double[q][];
            double[][] treeInputs = new double[q][];
            for (int m = 0; m < laws.size(); m++) {
                Law law = laws.get(m);
                if (m == 0 || !law.optimizers().equals(laws.get(m - 1).optimizers())) {
                    for (int j = 0; j < q; j++) {
                        xs[j] = PrefixFeatures.of(run, schedule, scale, chinchilla, observedStep, observedLoss,
                                querySteps[j], law.optimizers());
                    }
                }
                for (int j = 0; j < q; j++) {
                    s[j] += Stats.dot(law.weights(), expand(law, xs[j], clampMargin));
                }
                if (runInputs[m] != null) {
                    for (int j = 0; j < q; j++) {
                        treeInputs[j] = concat(xs[j], runInputs[m]);
                    }
                    double[] fromTrees = law.trees().predictAll(treeInputs);
                    for (int j = 0; j < q; j++) {
                        s[j] += fromTrees[j];
                    }
                }
            }
            double[] out = new double[q];
            for (int j = 0; j < q; j++) {
                out[j] = observedLoss * Math.exp(s[j] / laws.size()
                        + PrefixFeatures.chinchillaDrop(chinchilla, scale, batchTokens, observedStep, querySteps[j]));
            }
            return out;
        }
    }

    /**
     * This conditioner with the laws of {@code added} for sources it does not know yet; known sources and
     * the pooled law stay this one's (they learnt from more runs than a fine-tuning brings). Used when
     * fine-tuning.
     */
    public PrefixConditioner withNewSources(PrefixConditioner added) {
        List<Map<String, Law>> out = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            Map<String, Law> merged = new TreeMap<>(members.get(k));
            added.members().get(k % added.members().size()).forEach((source, law) -> {
                if (!source.equals(POOLED)) {
                    merged.putIfAbsent(source, law);
                }
            });
            out.add(merged);
        }
        return new PrefixConditioner(out, clampMargin, minCut);
    }

    /** Writes the conditioner to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.PREFIX, this);
    }

    /** The conditioner saved in {@code modelDir} (older files migrated), or null when it has none. */
    public static PrefixConditioner loadIfPresent(Path modelDir) throws IOException {
        return ModelFiles.readIfPresent(modelDir, ModelFile.PREFIX, PrefixConditioner.class);
    }

    /** Reads a conditioner saved by {@link #save}; errors name the file. */
    public static PrefixConditioner load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no observed-prefix model (fit one with `ncpl prefix --model DIR`)");
        }
        return ModelFiles.readFile(file, ModelFile.PREFIX, PrefixConditioner.class);
    }
}
