package dev.ncpl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.model.ModelConfig;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.NcplNetwork;
import dev.ncpl.predict.PrefixConditioner;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The trained model a fine-tuning starts from: its manifest (network shape, numeric statistics, target
 * standardisation), Chinchilla laws, observed-prefix model and member weights. A fine-tuned member
 * starts as a copy of a parent member; token embeddings of words the parent never saw are the only
 * new weights.
 */
final class ParentModel {
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

    /** The parent's observed-prefix model, or null when it has none. */
    PrefixConditioner prefix() throws IOException {
        Path f = dir.resolve(PrefixConditioner.FILE);
        return Files.isRegularFile(f) ? PrefixConditioner.load(f) : null;
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
     * vocabulary) gets the parent's rows first and keeps its fresh initialization for the rest.
     */
    void copyInto(int member, NcplNetwork net) throws IOException {
        String file = manifest.members().get(member % manifest.members().size());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NcplNetwork parentNet = new NcplNetwork(manifest.network());
            NcplModel.loadParameters(dir.resolve(file), parentNet, manager);
            Map<String, Parameter> mine = new java.util.LinkedHashMap<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                mine.put(p.getKey(), p.getValue());
            }
            for (Pair<String, Parameter> p : parentNet.getParameters()) {
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
        }
    }

    /** Where the fine-tuned model came from, for its provenance. */
    com.fasterxml.jackson.databind.node.ObjectNode provenance() throws IOException {
        var o = Json.MAPPER.createObjectNode();
        o.put("model", dir.toString());
        o.put("model_json_sha256", Hashing.sha256(dir.resolve(NcplModel.MANIFEST)));
        o.set("parent_provenance", manifest.provenance());
        return o;
    }
}
