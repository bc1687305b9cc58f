package dev.ncpl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaFitter;
import dev.ncpl.curve.CurveModels;
import dev.ncpl.model.ModelConfig;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.NcplNetwork;
import dev.ncpl.model.TargetStats;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.runs.Run;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The trained model a fine-tuning starts from: its manifest (network shape, numeric statistics, target
 * standardisation), Chinchilla laws, observed-prefix model and member weights. A fine-tuned member
 * starts as a copy of a parent member; token embeddings of words the parent never saw are the only
 * new weights.
 */
final class ParentModel {
    /** The blocks of the final-loss and curve heads, which a fine-tuning on new sources only starts afresh. */
    static final List<String> HEADS = List.of("finalHidden", "finalOut", "curveHidden1", "curveHidden2", "curveOut");

    private final Path dir;
    private final ModelManifest manifest;
    private final Baseline baseline;

    private ParentModel(Path dir, ModelManifest manifest, Baseline baseline) {
        this.dir = dir;
        this.manifest = manifest;
        this.baseline = baseline;
    }

    static ParentModel load(Path dir) throws IOException {
        Path manifestFile = dir.resolve(NcplModel.MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new IOException(dir + ": not a trained model to fine-tune from (no " + NcplModel.MANIFEST + ")");
        }
        return new ParentModel(dir, Json.read(manifestFile, ModelManifest.class), Baseline.load(dir.resolve(NcplModel.BASELINE)));
    }

    Path dir() {
        return dir;
    }

    ModelManifest manifest() {
        return manifest;
    }

    Baseline baseline() {
        return baseline;
    }

    Path tokenizer() {
        return dir.resolve(NcplModel.TOKENIZER);
    }

    /** The parent's observed-prefix model and curve shape (each null when it has none). */
    CurveModels curveModels() throws IOException {
        return CurveModels.loadIfPresent(dir);
    }

    /** The parent's residual trees of the final loss, or null when it has none. */
    ResidualModels residualTrees() throws IOException {
        return ResidualModels.loadIfPresent(dir);
    }

    /** The parent's network shape with a vocabulary of {@code vocabularySize} words. */
    ModelConfig network(int vocabularySize) {
        ModelConfig c = manifest.network();
        return new ModelConfig(vocabularySize, c.maxLength(), c.dModel(), c.heads(), c.layers(), c.ffHidden(),
                c.headHidden(), c.queryFeatures(), c.dropout());
    }

    /**
     * Overwrites the initialized parameters of {@code net} with those of parent member {@code member}
     * (modulo the parent's ensemble size); a parameter with more rows (the token embedding of a larger
     * vocabulary) gets the parent's rows first and keeps its fresh initialization for the rest. The two
     * output layers are then rescaled from the parent's target standardisation to {@code stats}, so the
     * copy predicts exactly what the parent does, in units fitted to the new runs.
     *
     * <p>With {@code freshHeads}, the final-loss and curve heads keep their fresh initialization: only the
     * encoder (embeddings, numeric slots, transformer blocks) comes from the parent. For runs that all come
     * from sources the parent never saw, what the parent's heads say about configs is about other data, and fresh
     * heads did better on the new-source studies (eval/finetune-*).
     */
    void copyInto(int member, NcplNetwork net, TargetStats stats, boolean freshHeads) throws IOException {
        String file = manifest.members().get(member % manifest.members().size());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NcplNetwork parentNet = new NcplNetwork(manifest.network());
            NcplModel.loadParameters(dev.ncpl.model.ModelFolder.memberFile(dir, file), parentNet, manager);
            Map<String, Parameter> mine = new java.util.LinkedHashMap<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                mine.put(p.getKey(), p.getValue());
            }
            for (Pair<String, Parameter> p : parentNet.getParameters()) {
                if (freshHeads && isHead(p.getKey())) {
                    continue;
                }
                Parameter target = mine.get(p.getKey());
                if (target == null) {
                    throw new IOException(dir.resolve(file) + ": parameter " + p.getKey() + " has no counterpart");
                }
                NDArray from = p.getValue().getArray();
                NDArray to = target.getArray();
                float[] values = from.toFloatArray();
                if (from.getShape().equals(to.getShape())) {
                    to.set(values);
                } else if (from.getShape().dimension() == 2 && to.getShape().get(1) == from.getShape().get(1)
                        && to.getShape().get(0) >= from.getShape().get(0)) {
                    float[] out = to.toFloatArray();
                    System.arraycopy(values, 0, out, 0, values.length);
                    to.set(out);
                } else {
                    throw new IOException(dir.resolve(file) + ": parameter " + p.getKey() + " has shape "
                            + from.getShape() + ", the fine-tuned network " + to.getShape());
                }
            }
            if (freshHeads) {
                return;
            }
            TargetStats old = manifest.targets();
            restandardise(mine, "finalOut", old.finalMean(), old.finalStd(), stats.finalMean(), stats.finalStd());
            restandardise(mine, "curveOut", old.curveMean(), old.curveStd(), stats.curveMean(), stats.curveStd());
        }
    }

    /** Whether parameter {@code name} belongs to the final-loss or the curve head (DJL prefixes it with the block's position). */
    static boolean isHead(String name) {
        return HEADS.stream().anyMatch(h -> name.contains(h + "_"));
    }

    /**
     * Rewrites the linear output layer {@code layer} so that it gives in (mean1, std1) units what it gave
     * in (mean0, std0) units: y = mean0 + std0·(w·h + b) = mean1 + std1·(w'·h + b').
     */
    private static void restandardise(Map<String, Parameter> params, String layer, double mean0, double std0,
                                      double mean1, double std1) {
        NDArray w = parameter(params, layer + "_weight");
        NDArray b = parameter(params, layer + "_bias");
        float[] wv = w.toFloatArray();
        for (int i = 0; i < wv.length; i++) {
            wv[i] = (float) (wv[i] * std0 / std1);
        }
        float[] bv = b.toFloatArray();
        for (int i = 0; i < bv.length; i++) {
            bv[i] = (float) ((mean0 + std0 * bv[i] - mean1) / std1);
        }
        w.set(wv);
        b.set(bv);
    }

    /**
     * Chinchilla laws fitted on {@code runs}, one per source, for the sources the parent does not know. What
     * such runs cannot identify (the size exponent from fewer than three sizes: a team's usual sweep) is taken
     * from the parent's best-identified law rather than from Chinchilla's: the parent learned on sources with
     * many sizes how loss falls with size, and a new source with two sizes extrapolates by it.
     */
    Baseline newSourceLaws(List<Run> runs) {
        String best = baseline.bestIdentifiedSource();
        String origin = best.equals(Baseline.POOLED) ? "the parent's pooled law"
                : String.format(java.util.Locale.ROOT, "the parent's law of %s, fitted on %d sizes", best,
                baseline.sources().get(best).distinctParams());
        return Baseline.fit(runs, new ChinchillaFitter(baseline.law(best), origin));
    }

    /**
     * {@code baseline} with the law of every source the parent knows re-levelled to {@code runs}: its E
     * moves by the median gap between the runs' final losses and the parent's predictions of them. A
     * fine-tuned network starts as the parent, so it then starts as the parent shifted onto the new runs'
     * level (runs of a larger model than the parent saw are mostly off by such an offset), and training
     * learns the rest.
     */
    Baseline relevel(Baseline baseline, List<Run> runs, java.io.PrintStream log) throws IOException {
        if (runs.stream().noneMatch(r -> this.baseline.knows(r.source()))) {
            return baseline;
        }
        Baseline out = baseline;
        try (BlendedPredictor p = new BlendedPredictor(NcplModel.load(dir, ai.djl.Device.cpu()), "parent")) {
            Map<String, List<Run>> bySource = new java.util.TreeMap<>();
            // the parent refuses an optimizer it never saw: such runs say nothing about its level
            runs.stream().filter(r -> this.baseline.knows(r.source()) && p.knowsOptimizer(r))
                    .forEach(r -> bySource.computeIfAbsent(r.source(), k -> new java.util.ArrayList<>()).add(r));
            for (Map.Entry<String, List<Run>> e : bySource.entrySet()) {
                double[] predicted = p.predictFinal(e.getValue());
                double[] gaps = new double[predicted.length];
                for (int i = 0; i < gaps.length; i++) {
                    gaps[i] = e.getValue().get(i).curve().finalLoss() - predicted[i];
                }
                double shift = dev.ncpl.math.Stats.median(gaps);
                String why = String.format(java.util.Locale.ROOT, "E moved by %+.4f: the median gap between %d "
                        + "fine-tuning runs and the parent's predictions", shift, gaps.length);
                log.println(e.getKey() + ": " + why);
                out = out.withShift(e.getKey(), shift, why);
            }
        }
        return out;
    }

    /** The parameter whose name ends with {@code suffix} (DJL prefixes child blocks' names with their position). */
    private static NDArray parameter(Map<String, Parameter> params, String suffix) {
        return params.entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the network has no parameter " + suffix))
                .getValue().getArray();
    }

    /** Where the fine-tuned model came from, for its provenance. */
    com.fasterxml.jackson.databind.node.ObjectNode provenance() throws IOException {
        var o = Json.MAPPER.createObjectNode();
        o.put("model", dir.toString());
        o.put("model_json_sha256", Hashing.sha256(dir.resolve(NcplModel.MANIFEST)));
        o.set("parent_provenance", Json.MAPPER.valueToTree(manifest.provenance()));
        return o;
    }
}
