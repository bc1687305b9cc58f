package dev.ncpl.residual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.learn.BoostedTrees;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.runs.OptimizerFamily;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * A second opinion on the final loss: gradient-boosted trees (or a Gaussian process, below) per source
 * on log(final loss / the source's Chinchilla law) of the training runs, fitted to its median ({@link #LOSS}),
 * the trees reading the run's scale (N, D, D/N), its schedule (warmup share, mean and final learning rate
 * relative to peak), its optimizer's {@link OptimizerFamily family}, ln(peak lr × weight decay) and that times
 * D/N, every numeric config field that varies in the source, and its optimizer; every other tree reads only the
 * scale and schedule inputs, pooled over the optimizers ({@link #POOLED_DERIVED}). A source's trees are several
 * fits ({@code posthoc.residual.bags}), each on a seeded subsample of its runs, averaged: one fit's error on
 * configurations it never saw hangs on which runs it was given. {@code BlendedPredictor} returns the geometric
 * mean of this and the network's final loss, the trees weighing {@link #weight}, and more beyond the sizes and
 * budgets of the source's training runs, where the network's share fades ({@link #networkFadeRate}; {@link
 * #ranges}).
 *
 * <p>Where a source's training runs span several sizes, a {@link SourceGp Gaussian process} on the same
 * residual is also tried: both are fitted on the sizes below the largest and measured on the largest,
 * and fitted on four fifths of the runs and measured on the rest (the {@link GpCheck}); a source whose
 * process erred less in both gets one, fitted on all its runs, which then stands in for its trees and
 * weighs {@link #gpWeight}. Trees keep the residual of the largest size they saw; the process follows the
 * residual's smooth trend in size, learning rate and batch a little beyond it. The choice is made on the
 * training runs alone, per source and per model.
 *
 * <p>Why: the network and the trees err differently, and the blend of the two beat either on the in_val and
 * held-back sizes of Marin and Step Law. The optimizer family lets an optimizer without runs at a budget borrow
 * its neighbours'; the weight-decay inputs carry lr·wd, the share of the weights a decoupled decay takes each
 * step, which trees splitting on lr and wd apart miss. Beyond the sizes it saw, a tree keeps the residual of the
 * largest one it saw, and the size trend stays with the law. Sources with fewer than {@code
 * posthoc.residual.min_runs} training runs get no trees (a fine-tuning on a few dozen runs of a source keeps the
 * network's prediction alone for it; the parent's trees of the other sources are kept). What was measured for
 * each choice is in docs/experiments.md ("Post-hoc settings" and "Residual models: measurements"). Saved as
 * {@value #FILE}.
 */
public final class ResidualModels {
    /** File name in a model folder. */
    public static final String FILE = ModelFile.RESIDUALS.fileName();
    /** The settings of models fitted without a recipe's (tests, and files from before they were recorded). */
    private static final PosthocSettings.Residual DEFAULTS = PosthocSettings.DEFAULTS.residual();
    /**
     * The derived inputs every other tree is held to ({@link BoostedTrees#fit(List, double[], double[],
     * BoostedTrees.Settings, BoostedTrees.Loss, boolean[])}), with the source's numeric {@code data.} and
     * {@code schedule.} fields ({@link #POOLED_SECTIONS}): scale and schedule, what a run's optimizer does not
     * change the meaning of. Those trees cannot tell the optimizers apart, so what a long warmup or a short
     * budget does is learnt from every optimizer's runs, and an optimizer without a run there borrows it.
     */
    static final List<String> POOLED_DERIVED = List.of("log_params", "log_tokens", "log_tokens_per_param",
            "warmup_fraction", "mean_relative_lr", "final_relative_lr");
    /** The config sections whose numeric fields the pooled trees read. */
    static final List<String> POOLED_SECTIONS = List.of("data.", "schedule.");
    /**
     * What the trees fit: the median of the residual where the inputs put a run, not its mean. Runs of one
     * config do not end alike, and their spread is skewed: the mean follows the few far above; the median,
     * which an absolute error is least about, stays with the many.
     */
    static final BoostedTrees.Loss LOSS = BoostedTrees.Loss.ABSOLUTE;
    /** Scale and schedule inputs of trees fitted before the optimizer family was read (files without {@code derived}). */
    static final List<String> LEGACY_DERIVED = ModelFiles.LEGACY_DERIVED;
    /**
     * Scale, schedule, optimizer-family and weight-decay inputs, before the source's numeric fields and
     * optimizers. {@code log_lr_wd} is ln(peak lr × weight decay), the share of the weights a decoupled decay
     * takes each step at peak; {@code log_lr_wd_tokens_per_param} multiplies it by D/N, how much of it a run
     * spends per parameter. Runs without weight decay read the smallest value.
     */
    static final List<String> DERIVED = List.of("log_params", "log_tokens", "log_tokens_per_param",
            "warmup_fraction", "mean_relative_lr", "final_relative_lr", "matrix_optimizer", "log_lr_wd",
            "log_lr_wd_tokens_per_param");
    /** Fields the scale inputs already carry. */
    private static final List<String> SCALE_KEYS = List.of("model.non_embedding_params", "data.tokens_total");

    /**
     * The trees of one source, with the inputs they read: {@code derived} ({@link #DERIVED}), then the
     * numeric fields {@code keys}, then one-hots of {@code optimizers}. Their residual is the mean of the
     * {@code members}' ({@code posthoc.residual.bags} fits on seeded subsamples; one in files from before the bagging),
     * fitted under {@code loss} ({@link #LOSS}; squared error in files from before it was kept), every other
     * tree held to the inputs named in {@code pooled} ({@link #POOLED_DERIVED}; none in files from before).
     */
    public record SourceTrees(@JsonProperty("keys") List<String> keys,
                              @JsonProperty("optimizers") List<String> optimizers,
                              @JsonProperty("runs") int runs,
                              @JsonProperty("derived") List<String> derived,
                              @JsonProperty("loss") BoostedTrees.Loss loss,
                              @JsonProperty("pooled") List<String> pooled,
                              @JsonProperty("members") List<BoostedTrees> members) {
        public SourceTrees {
            Objects.requireNonNull(loss, "loss");
            Objects.requireNonNull(derived, "derived");
            keys = List.copyOf(keys);
            optimizers = List.copyOf(optimizers);
            derived = List.copyOf(derived);
            pooled = pooled == null ? List.of() : List.copyOf(pooled);
            for (String d : derived) {
                if (!DERIVED.contains(d)) {
                    throw new IllegalArgumentException("residual trees read an unknown derived input '" + d
                            + "' (known: " + DERIVED + ")");
                }
            }
            members = members == null ? List.of() : List.copyOf(members);
        }

        double[] inputs(Run run, Scale scale, LrSchedule schedule) {
            double[] x = new double[derived.size() + keys.size() + optimizers.size()];
            String optimizer = optimizer(run);
            double lrWd = run.lrTimesWeightDecay();
            int k = 0;
            for (String d : derived) {
                x[k++] = derivedInput(d, optimizer, lrWd, scale, schedule);
            }
            for (String key : keys) {
                x[k++] = run.number(key).orElse(-Double.MAX_VALUE);
            }
            int opt = optimizers.indexOf(optimizer);
            if (opt >= 0) {
                x[k + opt] = 1;
            }
            return x;
        }

        /** Which of {@link #inputs} the {@code names} (derived inputs and numeric fields) are. */
        boolean[] marks(List<String> names) {
            List<String> order = new ArrayList<>(derived);
            order.addAll(keys);
            boolean[] marked = new boolean[order.size() + optimizers.size()];
            for (String name : names) {
                int i = order.indexOf(name);
                if (i < 0) {
                    throw new IllegalArgumentException("'" + name + "' is not an input of these trees");
                }
                marked[i] = true;
            }
            return marked;
        }

        /** The members' mean log(final loss / law) at {@code x} ({@link #inputs}). */
        double residual(double[] x) {
            double sum = 0;
            for (BoostedTrees m : members) {
                sum += m.predict(x);
            }
            return sum / members.size();
        }

        /** Whether these trees saw {@code run}'s optimizer (or the source names none). */
        boolean knows(Run run) {
            return optimizers.isEmpty() || optimizers.contains(optimizer(run));
        }
    }

    /**
     * The derived input {@code name} of a run with {@code optimizer} (lower case), peak lr × weight decay {@code
     * lrWd}, {@code scale} and {@code schedule}.
     */
    private static double derivedInput(String name, String optimizer, double lrWd, Scale scale, LrSchedule schedule) {
        return switch (name) {
            case "log_params" -> Math.log(scale.params());
            case "log_tokens" -> Math.log(scale.tokens());
            case "log_tokens_per_param" -> Math.log(scale.tokens() / scale.params());
            case "warmup_fraction" -> schedule.warmup() / schedule.total();
            case "mean_relative_lr" -> schedule.meanRelativeLr();
            case "final_relative_lr" -> schedule.relativeLr(schedule.total());
            case "matrix_optimizer" -> OptimizerFamily.matrixBased(optimizer) ? 1 : 0;
            case "log_lr_wd" -> logOrLeast(lrWd);
            case "log_lr_wd_tokens_per_param" -> logOrLeast(lrWd * scale.tokens() / scale.params());
            default -> throw new IllegalStateException(name);
        };
    }

    /** ln {@code v}, or the least input (as for a field a run lacks) where {@code v} is not positive. */
    private static double logOrLeast(double v) {
        return v > 0 ? Math.log(v) : -Double.MAX_VALUE;
    }

    /**
     * How a Gaussian process and trees did on a source's training runs, each fitted on part and scored
     * (final-loss MAE, alone over the law) on the rest: once fitted on the sizes below the largest and
     * scored on the largest, once fitted on a seeded four fifths and scored on the other fifth.
     *
     * @param heldOutParams the non-embedding parameters of the size held out
     * @param heldOutRuns its runs
     * @param foldRuns the runs of the fifth held out
     */
    public record GpCheck(@JsonProperty("held_out_params") double heldOutParams,
                          @JsonProperty("held_out_runs") int heldOutRuns,
                          @JsonProperty("gp_mae") double gpMae,
                          @JsonProperty("trees_mae") double treesMae,
                          @JsonProperty("fold_runs") int foldRuns,
                          @JsonProperty("fold_gp_mae") double foldGpMae,
                          @JsonProperty("fold_trees_mae") double foldTreesMae) {
        /** Whether the process erred less than the trees both beyond the sizes it saw and among them. */
        public boolean prefersGp() {
            return gpMae < treesMae && foldGpMae < foldTreesMae;
        }
    }

    private final Map<String, SourceTrees> sources;
    private final Map<String, SourceGp> gps;
    private final Map<String, GpCheck> checks;
    private final Map<String, TrainingRange> ranges;
    private final double weight;
    private final double gpWeight;
    private final double networkFade;

    /** Trees with the default weights, no Gaussian processes and no ranges. */
    public ResidualModels(Map<String, SourceTrees> sources) {
        this(sources, DEFAULTS.treeWeight(), Map.of(), Map.of(), Map.of(), DEFAULTS.gpWeight(), DEFAULTS.networkFade());
    }

    /**
     * Every field is required: older files are brought to this form by {@link ModelFiles}.
     *
     * @param weight the trees' share in the geometric mean with the network's final loss
     * @param gps the Gaussian processes of the sources that use one instead of their trees
     * @param checks the checks that chose between them, by source
     * @param ranges the sizes and budgets of each source's training runs, beyond which the network's share fades
     * @param gpWeight a Gaussian process's share in the final loss
     * @param networkFade how fast the network's share fades beyond a source's training range, per unit of ln
     *     distance
     */
    @JsonCreator
    public ResidualModels(@JsonProperty("sources") Map<String, SourceTrees> sources,
                         @JsonProperty("weight") double weight,
                         @JsonProperty("gps") Map<String, SourceGp> gps,
                         @JsonProperty("gp_checks") Map<String, GpCheck> checks,
                         @JsonProperty("ranges") Map<String, TrainingRange> ranges,
                         @JsonProperty("gp_weight") double gpWeight,
                         @JsonProperty("network_fade") double networkFade) {
        this.sources = new TreeMap<>(Objects.requireNonNull(sources, "sources"));
        this.sources.forEach((source, t) -> {
            if (t.members().isEmpty()) {
                throw new IllegalArgumentException("residual trees of source '" + source + "' hold no fitted trees");
            }
        });
        this.gps = new TreeMap<>(Objects.requireNonNull(gps, "gps"));
        this.checks = new TreeMap<>(Objects.requireNonNull(checks, "gp_checks"));
        this.ranges = new TreeMap<>(Objects.requireNonNull(ranges, "ranges"));
        this.weight = weight;
        this.gpWeight = gpWeight;
        this.networkFade = networkFade;
        if (!(this.weight >= 0 && this.weight <= 1)) {
            throw new IllegalArgumentException("residual trees' weight must lie in [0, 1], not " + weight);
        }
        if (!(this.gpWeight >= 0 && this.gpWeight <= 1)) {
            throw new IllegalArgumentException("Gaussian processes' weight must lie in [0, 1], not " + gpWeight);
        }
        if (!(this.networkFade >= 0 && Double.isFinite(this.networkFade))) {
            throw new IllegalArgumentException("network fade must be a finite number >= 0, not " + networkFade);
        }
    }

    /** A Gaussian process's share in the final loss. */
    @JsonProperty("gp_weight")
    public double gpWeight() {
        return gpWeight;
    }

    /** How fast the network's share fades beyond a source's training range, per unit of ln distance. */
    @JsonProperty("network_fade")
    public double networkFadeRate() {
        return networkFade;
    }

    /** The Gaussian processes of the sources that use one instead of their trees. */
    @JsonProperty("gps")
    public Map<String, SourceGp> gps() {
        return gps;
    }

    /** The checks that chose between a Gaussian process and the trees, by source. */
    @JsonProperty("gp_checks")
    public Map<String, GpCheck> checks() {
        return checks;
    }

    @JsonProperty("sources")
    public Map<String, SourceTrees> sources() {
        return sources;
    }

    /** The sizes and token budgets of each source's training runs. */
    @JsonProperty("ranges")
    public Map<String, TrainingRange> ranges() {
        return ranges;
    }

    /** The trees' share in the geometric mean with the network's final loss. */
    @JsonProperty("weight")
    public double weight() {
        return weight;
    }

    /** The final loss from the network's {@code network} and these trees' {@code fromTrees}: their weighted geometric mean. */
    public double combine(double network, double fromTrees) {
        return combine(network, fromTrees, weight);
    }

    /**
     * The final loss of {@code run}, of size and budget {@code scale}, from the network's {@code network} and
     * this second opinion's {@code opinion} ({@link #predict}): their weighted geometric mean, the opinion
     * weighing {@link #gpWeight} where the run's source has a Gaussian process and {@link #weight} otherwise,
     * and the network's share fading by exp(−{@link #networkFadeRate} × the run's ln distance beyond its source's
     * training range).
     */
    public double combine(Run run, Scale scale, double network, double opinion) {
        return combine(network, opinion, 1 - networkShare(run, scale));
    }

    /** The network's share in the final loss of {@code run} of size and budget {@code scale}. */
    double networkShare(Run run, Scale scale) {
        return (1 - (gps.containsKey(run.source()) ? gpWeight : weight)) * networkFade(run, scale);
    }

    /**
     * How much of its share inside the training range the network keeps for {@code run} of size and budget
     * {@code scale}: exp(−{@link #networkFadeRate} × its ln distance beyond its source's training runs); 1 inside
     * them, and for a source of which these trees hold no range.
     */
    public double networkFade(Run run, Scale scale) {
        TrainingRange range = ranges.get(run.source());
        return range == null ? 1 : Math.exp(-networkFade * range.distance(scale));
    }

    private static double combine(double network, double opinion, double share) {
        return Math.exp(share * Math.log(opinion) + (1 - share) * Math.log(network));
    }

    /** As {@link #fit(List, Baseline, long, PosthocSettings.Residual)} with the default settings. */
    public static ResidualModels fit(List<Run> runs, Baseline baseline, long seed) {
        return fit(runs, baseline, seed, DEFAULTS);
    }

    /**
     * Fits one set of trees per source of {@code runs} with at least {@code settings.min_runs} runs, over {@code
     * baseline}'s laws, and a Gaussian process for those where it passes the {@link GpCheck}: fitted on
     * all sizes but the largest, it erred less there than trees fitted the same way, and fitted on four
     * fifths of the runs, less on the other fifth. A source with a single size, fewer than {@code min_runs} runs
     * below its largest or fewer than {@code min_held_out} of it keeps its trees. The blend weights of {@code
     * settings} are kept with the models. Deterministic in {@code seed}.
     */
    public static ResidualModels fit(List<Run> runs, Baseline baseline, long seed, PosthocSettings.Residual settings) {
        Map<String, List<Run>> bySource = new TreeMap<>();
        runs.forEach(r -> bySource.computeIfAbsent(r.source(), s -> new ArrayList<>()).add(r));
        Map<String, SourceTrees> out = new TreeMap<>();
        Map<String, SourceGp> gps = new TreeMap<>();
        Map<String, GpCheck> checks = new TreeMap<>();
        Map<String, TrainingRange> ranges = new TreeMap<>();
        bySource.forEach((source, rs) -> {
            if (rs.size() >= settings.minRuns() && baseline.knows(source)) {
                ChinchillaLaw law = baseline.law(source);
                out.put(source, fitSource(rs, law, seed, settings));
                ranges.put(source, TrainingRange.of(rs));
                GpCheck check = check(rs, law, seed, settings);
                if (check != null) {
                    checks.put(source, check);
                    if (check.prefersGp()) {
                        gps.put(source, SourceGp.fit(rs, law, seed));
                    }
                }
            }
        });
        return new ResidualModels(out, settings.treeWeight(), gps, checks, ranges, settings.gpWeight(),
                settings.networkFade());
    }

    /**
     * Measures a process and trees on {@code runs}: both fitted on the sizes below the largest and scored
     * on the largest, and both fitted on a seeded four fifths and scored on the other fifth; null when there
     * is a single size, fewer than {@code settings.min_runs} runs below the largest or fewer than {@code
     * min_held_out} of it.
     */
    static GpCheck check(List<Run> runs, ChinchillaLaw law, long seed, PosthocSettings.Residual settings) {
        double largest = runs.stream().mapToDouble(r -> Scale.of(r).params()).max().orElseThrow();
        List<Run> smaller = new ArrayList<>();
        List<Run> heldOut = new ArrayList<>();
        for (Run r : runs) {
            (Scale.of(r).params() < largest * (1 - 1e-9) ? smaller : heldOut).add(r);
        }
        if (smaller.size() < settings.minRuns() || heldOut.size() < settings.minHeldOut()) {
            return null;
        }
        double[] size = errors(smaller, heldOut, law, seed, settings);
        List<Run> shuffled = new ArrayList<>(runs);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        int fold = shuffled.size() / 5;
        double[] within = errors(shuffled.subList(fold, shuffled.size()), shuffled.subList(0, fold), law, seed,
                settings);
        return new GpCheck(largest, heldOut.size(), size[0], size[1], fold, within[0], within[1]);
    }

    /** Final-loss MAE on {@code scored} of a process and of trees fitted on {@code fitted}: {gp, trees}. */
    private static double[] errors(List<Run> fitted, List<Run> scored, ChinchillaLaw law, long seed,
                                   PosthocSettings.Residual settings) {
        SourceTrees trees = fitSource(fitted, law, seed, settings);
        SourceGp gp = SourceGp.fit(fitted, law, seed);
        double gpError = 0;
        double treesError = 0;
        for (Run r : scored) {
            Scale scale = Scale.of(r);
            LrSchedule schedule = LrSchedule.of(r);
            double base = law.predict(scale.params(), scale.tokens());
            double actual = r.curve().finalLoss();
            double treesResidual = trees.knows(r) ? trees.residual(trees.inputs(r, scale, schedule)) : 0;
            double gpResidual = gp.knows(r) ? gp.residual(r, scale, schedule) : 0;
            treesError += Math.abs(base * Math.exp(treesResidual) - actual) / scored.size();
            gpError += Math.abs(base * Math.exp(gpResidual) - actual) / scored.size();
        }
        return new double[] {gpError, treesError};
    }

    /**
     * Trees of one source: {@code settings.bags} fits, each on a seeded {@code subsample} of {@code runs}, on both
     * cores; deterministic in {@code seed}.
     */
    private static SourceTrees fitSource(List<Run> runs, ChinchillaLaw law, long seed,
                                         PosthocSettings.Residual settings) {
        List<String> keys = new ArrayList<>(ConfigFlattener.varyingNumericKeys(runs));
        keys.removeAll(SCALE_KEYS);
        List<String> pooled = new ArrayList<>(POOLED_DERIVED);
        keys.stream().filter(k -> POOLED_SECTIONS.stream().anyMatch(k::startsWith)).forEach(pooled::add);
        SourceTrees shape = new SourceTrees(keys, optimizers(runs), runs.size(), DERIVED, LOSS, pooled, null);
        boolean[] pooledInputs = shape.marks(pooled);
        List<double[]> xs = new ArrayList<>(runs.size());
        double[] y = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            Scale scale = Scale.of(run);
            xs.add(shape.inputs(run, scale, LrSchedule.of(run)));
            y[i] = logResidual(run, scale, law);
        }
        int size = Math.max(1, (int) Math.round(settings.subsample() * runs.size()));
        BoostedTrees.Settings grow = trees(settings.trees());
        double[] equalWeights = new double[size];
        Arrays.fill(equalWeights, 1);
        List<BoostedTrees> members = IntStream.range(0, settings.bags()).parallel().mapToObj(b -> {
            List<Integer> order = new ArrayList<>(IntStream.range(0, runs.size()).boxed().toList());
            Collections.shuffle(order, new Random(seed * 1_000_003L + b));
            List<double[]> bx = new ArrayList<>(size);
            double[] by = new double[size];
            for (int i = 0; i < size; i++) {
                int j = order.get(i);
                bx.add(xs.get(j));
                by[i] = y[j];
            }
            // the fits only read the weights: one array of ones serves them all
            return BoostedTrees.fit(bx, by, equalWeights, grow, LOSS, pooledInputs);
        }).toList();
        return new SourceTrees(shape.keys(), shape.optimizers(), runs.size(), DERIVED, LOSS, pooled, members);
    }

    /** How {@link BoostedTrees} grows the trees that {@code t} describes. */
    public static BoostedTrees.Settings trees(PosthocSettings.Trees t) {
        return new BoostedTrees.Settings(t.rounds(), t.depth(), t.shrinkage(), t.minLeafWeight(), t.l2(), t.bins());
    }

    /** The optimizers {@code runs} name, lower case, sorted. */
    public static List<String> optimizers(List<Run> runs) {
        TreeSet<String> optimizers = new TreeSet<>();
        runs.forEach(r -> r.text("optimizer.name").ifPresent(o -> optimizers.add(o.toLowerCase(Locale.ROOT))));
        return List.copyOf(optimizers);
    }

    /** log(final loss / {@code law}) of a training run: what the trees and the processes learn. */
    static double logResidual(Run run, Scale scale, ChinchillaLaw law) {
        return Math.log(run.curve().finalLoss() / law.predict(scale.params(), scale.tokens()));
    }

    /**
     * The trees' final loss of {@code run} over {@code law} (its source's law in the predictor's
     * baseline), or NaN where they have no opinion: a source without trees, or an optimizer its trees
     * never saw.
     */
    public double predict(Run run, ChinchillaLaw law) {
        return predict(run, law, Scale.of(run), LrSchedule.of(run));
    }

    /**
     * As {@link #predict(Run, ChinchillaLaw)}, with the run's {@code scale} and {@code schedule} already
     * worked out (the predictor's features hold them: no second parse of the config per prediction).
     */
    public double predict(Run run, ChinchillaLaw law, Scale scale, LrSchedule schedule) {
        double base = law.predict(scale.params(), scale.tokens());
        SourceGp gp = gps.get(run.source());
        if (gp != null) {
            return gp.knows(run) ? base * Math.exp(gp.residual(run, scale, schedule)) : Double.NaN;
        }
        SourceTrees t = sources.get(run.source());
        if (t == null || !t.knows(run)) {
            return Double.NaN;
        }
        return base * Math.exp(t.residual(t.inputs(run, scale, schedule)));
    }

    /**
     * These trees with {@code parent}'s for the sources the fine-tuning runs did not bring
     * ({@code fineTuned}): a source that was fine-tuned keeps only trees fitted on its new runs, as the
     * parent's were fitted under the network and law it had before.
     */
    public ResidualModels under(ResidualModels parent, Set<String> fineTuned) {
        Map<String, SourceTrees> merged = new TreeMap<>(sources);
        Map<String, SourceGp> mergedGps = new TreeMap<>(gps);
        Map<String, GpCheck> mergedChecks = new TreeMap<>(checks);
        Map<String, TrainingRange> mergedRanges = new TreeMap<>(ranges);
        if (parent != null) {
            parent.sources().forEach((source, t) -> {
                if (!fineTuned.contains(source) && !merged.containsKey(source)) {
                    merged.put(source, t);
                    copyEntry(parent.gps(), mergedGps, source);
                    copyEntry(parent.checks(), mergedChecks, source);
                    copyEntry(parent.ranges(), mergedRanges, source);
                }
            });
        }
        return new ResidualModels(merged, weight, mergedGps, mergedChecks, mergedRanges, gpWeight, networkFade);
    }

    /** Puts {@code from}'s entry for {@code source} into {@code into}, where {@code from} has one. */
    private static <V> void copyEntry(Map<String, V> from, Map<String, V> into, String source) {
        V value = from.get(source);
        if (value != null) {
            into.put(source, value);
        }
    }

    static String optimizer(Run run) {
        return run.text("optimizer.name").map(o -> o.toLowerCase(Locale.ROOT)).orElse("");
    }

    /** Writes the trees to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.RESIDUALS, this);
    }

    /** The trees saved in {@code modelDir} (older files migrated), or null when it has none. */
    public static ResidualModels loadIfPresent(Path modelDir) throws IOException {
        return ModelFiles.readIfPresent(modelDir, ModelFile.RESIDUALS, ResidualModels.class);
    }
}
