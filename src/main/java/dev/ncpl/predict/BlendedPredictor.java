package dev.ncpl.predict;

import dev.ncpl.curve.CurveGp;
import dev.ncpl.curve.CurveShape;
import dev.ncpl.math.Stats;
import dev.ncpl.model.FeatureExtractor;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.RunFeatures;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The trained NCPL predictor: final loss = Chinchilla L(N, D) + the network's residual, averaged over
 * the ensemble; the curve = Chinchilla at the tokens seen + the curve head's residual at each step,
 * from one encoder pass per config. The curve is tied to the final loss at its end: the gap between
 * the curve head at the last step and the final-loss head is spread linearly over the run. When the
 * model folder has a {@link CurveShape}, each curve point is the geometric mean of that and the shape's
 * curve back from the final loss, and where the shape has a {@link CurveGp} for the run's source, that
 * mean's weighted geometric mean with the process's curve back from the final loss. When it has {@link
 * ResidualModels}, the final loss is the weighted
 * geometric mean of the network's and the trees' (where the trees know the run's source and optimizer;
 * the weights are the residual models' own, and a source's Gaussian process stands in for its trees), and the
 * curve is tied to that. The blend's settings are the model's ({@code model.json}'s {@code posthoc.blend}).
 */
public final class BlendedPredictor implements LossPredictor, AutoCloseable {
    /** Configs per network call ({@code -Dncpl.batch}); 512 ran ~10% faster than 128 or 256 on 2 CPU cores, 1,024 slower. */
    public static final int BATCH = Integer.getInteger("ncpl.batch", 512);
    private final NcplModel model;
    private final String name;
    private final CurveShape shape;
    private final ResidualModels trees;
    private final PosthocSettings.Blend blend;
    /** Corrections of sources a model adapted without training never saw in training; null for none. */
    private final SourceCorrections corrections;


    /** The network's own final losses and curves, without a {@link CurveShape} or {@link ResidualModels}. */
    public BlendedPredictor(NcplModel model, String name) {
        this(model, name, null, null);
    }

    /**
     * @param shape the curve shape averaged into the network's curves, or null for the network's alone
     * @param trees the trees averaged into the network's final losses, or null for the network's alone
     */
    public BlendedPredictor(NcplModel model, String name, CurveShape shape, ResidualModels trees) {
        this(model, name, shape, trees, null);
    }

    /**
     * @param corrections per-source corrections of the blend's final losses and curves (a model adapted to new
     *     sources by {@code train --from} without training), or null for none
     */
    public BlendedPredictor(NcplModel model, String name, CurveShape shape, ResidualModels trees,
                            SourceCorrections corrections) {
        this.model = model;
        this.name = name;
        this.shape = shape;
        this.trees = trees;
        this.blend = model.manifest().posthocSettings().blend();
        this.corrections = corrections;
    }

    /**
     * Loads the model in {@code dir}, and its curve shape and residual trees when it has them, on the
     * CPU (or the GPU when built with the CUDA profile).
     */
    public static BlendedPredictor load(Path dir) throws IOException {
        return new BlendedPredictor(NcplModel.load(dir, ai.djl.engine.Engine.getInstance().defaultDevice()), "ncpl",
                CurveShape.loadIfPresent(dir), ResidualModels.loadIfPresent(dir), SourceCorrections.loadIfPresent(dir));
    }

    /** The same network, curve shape and trees under another name (closing either closes the network). */
    public BlendedPredictor named(String newName) {
        return new BlendedPredictor(model, newName, shape, trees, corrections);
    }

    /**
     * The network alone, under the same name (closing either closes the network): what the models fitted
     * after it on its training runs read, as the trees' in-sample fit would tell them too much.
     */
    public BlendedPredictor networkOnly() {
        return new BlendedPredictor(model, name);
    }

    /** The curve shape averaged into the network's curves, or null. */
    public CurveShape shape() {
        return shape;
    }

    /** The corrections of sources adapted to without training, or null. */
    public SourceCorrections corrections() {
        return corrections;
    }

    /** The trees averaged into the network's final losses, or null. */
    public ResidualModels trees() {
        return trees;
    }

    public NcplModel model() {
        return model;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Prediction> predict(List<Run> runs) {
        return predict(runs, PredictionSteps::of);
    }

    /** Predicts each run's final loss and its curve at the steps {@code stepsOf} gives for it. */
    public List<Prediction> predict(List<Run> runs, java.util.function.Function<Run, double[]> stepsOf) {
        return predictInBatches(runs, stepsOf, this::prepare);
    }

    /**
     * The predictions a correction of a new source is fitted on ({@code train --from} without training): {@link
     * #predict(List)} of runs that pass {@link #checkCorrectable}, which may lack keys every training run gave.
     */
    public List<Prediction> predictForCorrection(List<Run> runs) {
        runs.forEach(this::checkCorrectable);
        return predictInBatches(runs, PredictionSteps::of,
                batch -> new Prepared(batch, batch.stream().map(this::readFeatures).toList()));
    }

    /** {@code runs} predicted {@link #BATCH} at a time, each batch prepared by {@code prepare}. */
    private List<Prediction> predictInBatches(List<Run> runs, java.util.function.Function<Run, double[]> stepsOf,
                                              java.util.function.Function<List<Run>, Prepared> prepare) {
        List<Prediction> out = new ArrayList<>(runs.size());
        for (int start = 0; start < runs.size(); start += BATCH) {
            out.addAll(predict(prepare.apply(runs.subList(start, Math.min(runs.size(), start + BATCH))), stepsOf));
        }
        return out;
    }

    /** Runs with their features computed: the CPU-side half of a prediction, which can run ahead on another thread. */
    public record Prepared(List<Run> runs, List<RunFeatures> features) {}

    /** Serializes, tokenizes and scales {@code runs} (refusing optimizers the model never saw). */
    public Prepared prepare(List<Run> runs) {
        return new Prepared(runs, features(runs));
    }

    /**
     * Final losses only: the encoder and the final-loss head, without the curve head (the fast path
     * for ranking many candidates).
     */
    public double[] predictFinal(List<Run> runs) {
        double[] out = new double[runs.size()];
        for (int start = 0; start < runs.size(); start += BATCH) {
            double[] part = predictFinal(prepare(runs.subList(start, Math.min(runs.size(), start + BATCH))));
            System.arraycopy(part, 0, out, start, part.length);
        }
        return out;
    }

    /** Final losses of prepared runs, in one network call per member. */
    public double[] predictFinal(Prepared prepared) {
        return finals(prepared).mean();
    }

    /**
     * Final losses of runs with the disagreement of the opinions behind them.
     *
     * @param mean the final loss of each run
     * @param spread the standard deviation of the members' final losses (0 with one member), combined with
     *     half the gap between the network and the residual trees where they have an opinion
     */
    public record Finals(double[] mean, double[] spread) {}

    /** Final losses and their spreads of prepared runs, in one network call per member. */
    public Finals finals(Prepared prepared) {
        List<RunFeatures> feats = prepared.features();
        float[][][] res = model.residuals(feats.stream().map(RunFeatures::encoded).toList(), null);
        double[] mean = new double[feats.size()];
        double[] spread = new double[feats.size()];
        // the residual trees are CPU work the network threads are not doing meanwhile: spread them over the cores
        java.util.stream.IntStream.range(0, mean.length).parallel().forEach(i -> {
            double[] members = new double[res.length];
            for (int m = 0; m < res.length; m++) {
                members[m] = res[m][0][i];
            }
            Run run = prepared.runs().get(i);
            FinalLoss f = finalLoss(read(run), feats.get(i), members);
            double factor = correction(run, f.value());
            mean[i] = f.value() * factor;
            spread[i] = f.spread() * factor;
        });
        return new Finals(mean, spread);
    }

    /** A run's final loss and how far the opinions behind it disagree (a standard deviation, in loss units). */
    private record FinalLoss(double value, double spread) {}

    /**
     * The final loss of {@code run} from its members' residuals: the network's (their mean), or its
     * weighted geometric mean with the residual trees' where they have one. The spread is the members' standard
     * deviation, and with the trees also half the gap between the network and them (the two are
     * different kinds of model, and where they disagree neither is sure), faded beyond the source's training
     * range as the network's share in the final loss is ({@link ResidualModels#networkFade}): there the network
     * drifts, and its disagreement says less about a final loss it has less part in; inside the range nothing
     * changes. A mixture of experts denser or sparser than its source's training runs, where the source has a {@link
     * dev.ncpl.baseline.SparsityLaw}, has its residual models read at the nearest trained density and the law's
     * shift added, so that beyond the trained densities the trend is the sparsity law's and not also the residual
     * models' extrapolation in active parameters; half of what that moved the prediction joins its spread.
     */
    private FinalLoss finalLoss(Run run, RunFeatures f, double[] memberResiduals) {
        Scale scale = new Scale(f.params(), f.tokens());
        FinalLoss own = blended(run, f, memberResiduals, scale, scale);
        Scale nearest = model.baseline().sparsityResidualScale(run, scale);
        if (nearest == scale) {
            return own;
        }
        // a mixture of experts beyond its source's trained densities: the residual models read at the nearest trained
        // density, the trend from there the sparsity law's; how far that moved the prediction widens its spread (two
        // readings of a density no training run had, and where they part neither is sure)
        FinalLoss moved = blended(run, f, memberResiduals, scale, nearest);
        double value = moved.value() + model.baseline().sparsityShift(run);
        return new FinalLoss(value, Math.hypot(moved.spread(), (value - own.value()) / 2));
    }

    /**
     * {@link #finalLoss} with the residual models read at {@code residualScale} (the run's own {@code scale}, or
     * the nearest trained density of a mixture of experts) and carried to {@code scale} by the source's law.
     */
    private FinalLoss blended(Run run, RunFeatures f, double[] memberResiduals, Scale scale, Scale residualScale) {
        double share = residualShare(run);
        double network = f.finalLoss(share * Stats.mean(memberResiduals));
        double spread = f.finalUnit() * share * Stats.std(memberResiduals);
        if (trees == null) {
            return new FinalLoss(network, spread);
        }
        double fromTrees = trees.predict(run, f.law(), residualScale, f.schedule());
        if (residualScale != scale) {
            fromTrees *= f.law().predict(scale.params(), scale.tokens())
                    / f.law().predict(residualScale.params(), residualScale.tokens());
        }
        if (!(fromTrees > 0 && network > 0)) {
            return new FinalLoss(network, spread);
        }
        double gap = (network - fromTrees) / 2 * trees.networkFade(run, scale);
        return new FinalLoss(trees.combine(run, scale, network, fromTrees), Math.hypot(spread, gap));
    }

    /** The factor {@code run}'s final loss and curve are multiplied by: its source's correction's, or 1. */
    private double correction(Run run, double blended) {
        return corrections == null || !corrections.corrects(run.source()) ? 1
                : Math.exp(corrections.logFactor(run, blended));
    }

    /** The share of the network's residuals kept for {@code run}: 1, or {@code posthoc.blend.new_source_share} for a source never seen. */
    private double residualShare(Run run) {
        return run.source() != null && model.baseline().knows(run.source()) ? 1 : blend.newSourceShare();
    }
    private List<RunFeatures> features(List<Run> runs) {
        return runs.stream().map(this::features).toList();
    }

    /**
     * The features of {@code run} as read ({@link #read}), after refusing a run without a key its own source's
     * training runs all gave, or with an optimizer the model never saw.
     */
    private RunFeatures features(Run run) {
        checkKnown(run);
        return readFeatures(run);
    }

    /** The features of {@code run} as read ({@link #read}), unchecked. */
    private RunFeatures readFeatures(Run run) {
        return model.features().features(read(run));
    }

    /**
     * {@code run} as the model reads it: under the known source its source's correction names ({@link
     * SourceCorrections#asRead}), or as it is. The correction itself stays keyed by the run's own source.
     */
    public Run read(Run run) {
        return corrections == null ? run : corrections.asRead(run);
    }

    /**
     * Throws the {@link InvalidRunException} a prediction of {@code run} would: an optimizer
     * this model never saw, a schedule or size it cannot read. Readers call it on each candidate as they read
     * it ({@link dev.ncpl.runs.CandidateReader#checkedBy}), so the error can name the candidate's file and line.
     */
    public void checkPredictable(Run run) {
        model.manifest().required().check(run);
        checkCorrectable(run);
    }

    /**
     * Throws the {@link InvalidRunException} that a correction of {@code run}'s source on its own runs could not make
     * good: an optimizer this model never saw, a schedule or size it cannot read. Unlike {@link #checkPredictable} it
     * lets a run lack keys that every training run gave ({@link dev.ncpl.model.RequiredKeys}): the correction learns
     * from the source's runs, which lack them alike, what their absence costs, and is judged on their errors.
     */
    public void checkCorrectable(Run run) {
        checkOptimizer(run);
        Scale.of(run);
        LrSchedule.of(run);
    }

    /** Whether this model can predict {@code run}: {@link #checkPredictable} finds nothing to refuse. */
    public boolean canPredict(Run run) {
        try {
            checkPredictable(run);
            return true;
        } catch (InvalidRunException e) {
            return false;
        }
    }

    private void checkKnown(Run run) {
        model.manifest().required().check(run);
        checkOptimizer(run);
    }

    private void checkOptimizer(Run run) {
        if (!knowsOptimizer(run)) {
            throw new InvalidRunException(run.id(), 0, "optimizer.name", "unknown optimizer '"
                    + run.text("optimizer.name").orElseThrow() + "': this model was trained on "
                    + String.join(", ", model.manifest().knownOptimizers())
                    + " (fine-tune it on runs of this optimizer first)");
        }
    }

    /** Whether the model can predict {@code run}'s optimizer: one it was trained on, or none named. */
    public boolean knowsOptimizer(Run run) {
        List<String> known = model.manifest().knownOptimizers();
        return known == null || known.isEmpty() || run.text("optimizer.name")
                .map(opt -> known.contains(opt.toLowerCase(java.util.Locale.ROOT))).orElse(true);
    }

    /** Final losses and curves of prepared runs, at the steps {@code stepsOf} gives for each. */
    public List<Prediction> predict(Prepared prepared, java.util.function.Function<Run, double[]> stepsOf) {
        FeatureExtractor fx = model.features();
        List<Run> runs = prepared.runs();
        List<RunFeatures> feats = prepared.features();
        List<double[]> steps = new ArrayList<>(runs.size());
        int k = 0;
        for (Run run : runs) {
            double[] s = stepsOf.apply(run);
            steps.add(s);
            k = Math.max(k, s.length + 1);
        }
        float[][][] queries = new float[runs.size()][k][];
        List<EncodedConfig> enc = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            RunFeatures f = feats.get(i);
            enc.add(f.encoded());
            double[] s = steps.get(i);
            float[] end = fx.query(f, f.schedule().total());
            for (int j = 0; j < k; j++) {
                queries[i][j] = j < s.length ? fx.query(f, s[j]) : end;
            }
        }
        float[][][] res = model.residuals(enc, queries);
        int members = res.length;
        int queriesPerRun = k;
        double[] finals = new double[runs.size()];
        double[] spreads = new double[runs.size()];
        double[][] losses = new double[runs.size()][];
        java.util.stream.IntStream.range(0, runs.size()).parallel().forEach(i -> {
            RunFeatures f = feats.get(i);
            double[] s = steps.get(i);
            double[] memberFinals = new double[members];
            double[] curveRes = new double[s.length + 1];
            Run read = read(runs.get(i));
            double share = residualShare(read);
            for (int m = 0; m < members; m++) {
                float[][] member = res[m];
                memberFinals[m] = member[0][i];
                for (int j = 0; j <= s.length; j++) {
                    curveRes[j] += share * member[1][i * queriesPerRun + Math.min(j, queriesPerRun - 1)] / members;
                }
            }
            FinalLoss fl = finalLoss(read, f, memberFinals);
            finals[i] = fl.value();
            spreads[i] = fl.spread();
            double curveEnd = FeatureExtractor.curveBaseline(f, f.schedule().total()) + curveRes[s.length];
            double gap = finals[i] - curveEnd;
            losses[i] = new double[s.length];
            for (int j = 0; j < s.length; j++) {
                double frac = Math.min(1.0, s[j] / f.schedule().total());
                losses[i][j] = FeatureExtractor.curveBaseline(f, s[j]) + curveRes[j] + gap * frac;
            }
        });
        if (shape != null) {
            // the shape's trees are CPU work the network threads are not doing meanwhile: spread them over the cores
            java.util.stream.IntStream.range(0, runs.size()).parallel().forEach(i -> shapeInto(read(runs.get(i)),
                    feats.get(i), finals[i], steps.get(i), losses[i]));
        }
        if (corrections != null) {
            for (int i = 0; i < runs.size(); i++) {
                Run run = runs.get(i);
                SourceCorrections.Correction c = corrections.of(run);
                if (c == null) {
                    continue;
                }
                double factor = Math.exp(c.logFactor(run, finals[i]));
                finals[i] *= factor;
                spreads[i] *= factor;
                c.scaleCurve(losses[i], steps.get(i), feats.get(i).schedule().total(), factor);
            }
        }
        List<Prediction> out = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            out.add(new Prediction(runs.get(i).id(), finals[i], steps.get(i), losses[i], spreads[i]));
        }
        return out;
    }

    /**
     * Replaces each of the network's curve points by its geometric mean with the shape's curve back from {@code
     * finalLoss}, when the shape's curve is {@link #plausible} (otherwise the network's curve stays as it is),
     * then weighs in the source's curve process, if it has one ({@link #withCurveGp}).
     */
    private void shapeInto(Run run, RunFeatures f, double finalLoss, double[] steps, double[] losses) {
        double[] shaped = shape.losses(run, model.baseline().law(run.source()), finalLoss, f.schedule(), steps);
        if (plausible(shaped, losses, finalLoss, blend)) {
            for (int j = 0; j < steps.length; j++) {
                if (shaped[j] > 0 && losses[j] > 0) {
                    losses[j] = Math.sqrt(losses[j] * shaped[j]);
                }
            }
        }
        double[] fromGp = shape.gpLosses(run, new Scale(f.params(), f.tokens()), f.schedule(), finalLoss, steps);
        if (fromGp != null) {
            withCurveGp(steps, losses, fromGp, blend.curveGpWeight());
        }
    }

    /**
     * Each curve point becomes its weighted geometric mean with the curve process's, the process weighing
     * {@code weight}. Points before the process's first share of training (where it is NaN) are
     * moved by the factor the first point after it moved, faded geometrically to none at step 0, so that
     * the curve stays continuous and the untrained model's loss stays the network's.
     */
    static void withCurveGp(double[] steps, double[] losses, double[] fromGp, double weight) {
        int first = -1;
        for (int j = 0; j < steps.length; j++) {
            if (fromGp[j] > 0 && losses[j] > 0) {
                double blended = Math.exp((1 - weight) * Math.log(losses[j]) + weight * Math.log(fromGp[j]));
                if (first < 0) {
                    first = j;
                    double factor = blended / losses[j];
                    for (int i = 0; i < j; i++) {
                        if (steps[j] > 0) {
                            losses[i] *= Math.pow(factor, Math.max(0, steps[i]) / steps[j]);
                        }
                    }
                }
                losses[j] = blended;
            }
        }
    }

    /**
     * Whether the shape's curve can be believed for a run: it never lies more than {@code blend.max_shape_dip} (in
     * log units) below the final loss, and everywhere within a factor of {@code max_shape_ratio} of the network's
     * curve. A schedule unlike every training curve's lies outside what the shape learnt, and its quadratic laws can
     * then draw curves far below the final loss or far above it, where the network's curve stays smooth.
     */
    static boolean plausible(double[] shaped, double[] network, double finalLoss, PosthocSettings.Blend blend) {
        for (int j = 0; j < shaped.length; j++) {
            if (Double.isNaN(shaped[j])) {
                continue; // before the share of training the shape learnt from
            }
            if (!(shaped[j] > 0) || Math.log(shaped[j] / finalLoss) < -blend.maxShapeDip()
                    || Math.abs(Math.log(shaped[j] / network[j])) > Math.log(blend.maxShapeRatio())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        model.close();
    }
}
