package dev.ncpl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.DerivedExtra;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A predictor training recipe, read from {@code training-configs/<name>.json}: which runs, which
 * network, and the stages of training (first on every source, then fine-tuning on the targets). A recipe may
 * extend another and give only what differs ({@link #load}).
 *
 * @param name recipe name
 * @param description one line on what it is for
 * @param protocol {@code in_val} or {@code extrapolation} (which runs may be learnt from)
 * @param targetSources sources the model is fine-tuned and early-stopped on
 * @param seed fixes initialisation and data order
 * @param ensemble independently seeded networks averaged (their spread gives uncertainty)
 * @param model network shape
 * @param batchSize configs per step
 * @param curvePointsPerRun curve points sampled per run per step
 * @param curveWeight weight of the curve loss beside the final-loss loss
 * @param huberDelta Huber threshold on standardised residuals
 * @param weightDecay decoupled (AdamW) weight decay
 * @param patience epochs without improvement on validation before a stage stops
 * @param stages the training stages, in order
 * @param residualScale the unit of the final-loss residual: {@code none} (loss units, the default) or
 *     {@code data_term} (the Chinchilla law's B/D^β; see {@link dev.ncpl.model.ResidualScale}); a
 *     fine-tuning keeps its parent's
 * @param derivedExtras derived lines beyond the standard ones for the network to read ({@link DerivedExtra}
 *     ids; absent: none); a fine-tuning keeps its parent's
 * @param posthoc the settings of the models fitted beside the network and of their blend (the {@code posthoc}
 *     section; absent fields take {@link PosthocSettings#DEFAULTS}), recorded in the model's {@code model.json}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Recipe(String name, String description, String protocol, List<String> targetSources, long seed,
                     int ensemble, Network model, int batchSize, int curvePointsPerRun, double curveWeight,
                     double huberDelta, double weightDecay, int patience, List<Stage> stages,
                     String residualScale, List<String> derivedExtras, PosthocSettings posthoc) {

    /** A recipe with the default post-hoc settings. */
    public Recipe(String name, String description, String protocol, List<String> targetSources, long seed,
                  int ensemble, Network model, int batchSize, int curvePointsPerRun, double curveWeight,
                  double huberDelta, double weightDecay, int patience, List<Stage> stages, String residualScale,
                  List<String> derivedExtras) {
        this(name, description, protocol, targetSources, seed, ensemble, model, batchSize, curvePointsPerRun,
                curveWeight, huberDelta, weightDecay, patience, stages, residualScale, derivedExtras, null);
    }

    /** A recipe whose networks read the standard derived lines only. */
    public Recipe(String name, String description, String protocol, List<String> targetSources, long seed,
                  int ensemble, Network model, int batchSize, int curvePointsPerRun, double curveWeight,
                  double huberDelta, double weightDecay, int patience, List<Stage> stages, String residualScale) {
        this(name, description, protocol, targetSources, seed, ensemble, model, batchSize, curvePointsPerRun,
                curveWeight, huberDelta, weightDecay, patience, stages, residualScale, null, null);
    }

    /**
     * This recipe for run files that hold no run of {@code source}: the source leaves the target sources and every
     * stage's sources, and a stage that trained on it alone is dropped (a study that leaves a source out trains
     * its models with the rest of the recipe unchanged).
     */
    public Recipe without(String source) {
        List<Stage> kept = new java.util.ArrayList<>();
        for (Stage st : stages) {
            if (st.sources() == null || st.sources().isEmpty()) {
                kept.add(st);
                continue;
            }
            List<String> rest = st.sources().stream().filter(s -> !s.equals(source)).toList();
            if (!rest.isEmpty()) {
                kept.add(new Stage(st.name(), rest, st.epochs(), st.lr(), st.warmupEpochs()));
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("recipe '" + name + "': every stage trains on source '" + source
                    + "' alone; leaving it out leaves nothing to train");
        }
        List<String> targets = targetSources == null ? null
                : targetSources.stream().filter(s -> !s.equals(source)).toList();
        return new Recipe(name, description, protocol, targets, seed, ensemble, model, batchSize, curvePointsPerRun,
                curveWeight, huberDelta, weightDecay, patience, kept, residualScale, derivedExtras, posthoc);
    }

    /** Network shape. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Network(int dModel, int heads, int layers, int ffHidden, int headHidden, double dropout) {}

    /**
     * One stage of training.
     *
     * @param name stage name
     * @param sources sources whose runs are trained on (empty: all)
     * @param epochs maximum epochs
     * @param lr peak learning rate (AdamW)
     * @param warmupEpochs linear warmup, then cosine decay to 5% of the peak
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Stage(String name, List<String> sources, int epochs, double lr, double warmupEpochs) {}

    /** The unit a model trained from scratch on this recipe measures final-loss residuals in. */
    public dev.ncpl.model.ResidualScale finalResidualScale() {
        return dev.ncpl.model.ResidualScale.of(residualScale);
    }

    /** The derived lines beyond the standard ones that a network trained from scratch on this recipe reads. */
    public Set<DerivedExtra> extras() {
        return DerivedExtra.of(derivedExtras);
    }

    /**
     * The recipe in {@code file} as a JSON object, on top of the recipe it {@code extends} (a path relative to its
     * folder) where it names one: objects merge field by field, anything else the extending recipe gives replaces
     * the base's. {@code chain} holds the files read so far, to refuse a cycle.
     */
    private static ObjectNode resolve(Path file, List<Path> chain) throws IOException {
        Path real = file.toAbsolutePath().normalize();
        if (chain.contains(real)) {
            throw new IOException(chain.get(chain.size() - 1) + ": field 'extends': " + file + " extends itself (through "
                    + chain + ")");
        }
        chain.add(real);
        JsonNode tree = Json.read(file, JsonNode.class);
        if (!tree.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        ObjectNode own = (ObjectNode) tree;
        JsonNode base = own.remove("extends");
        if (base == null || base.isNull()) {
            return own;
        }
        if (!base.isTextual() || base.asText().isBlank()) {
            throw new IOException(file + ": field 'extends': expected the path of another recipe, got " + base);
        }
        Path baseFile = real.getParent().resolve(base.asText());
        if (!java.nio.file.Files.isRegularFile(baseFile)) {
            throw new IOException(file + ": field 'extends': no recipe at " + baseFile);
        }
        ObjectNode merged = resolve(baseFile, chain);
        merge(merged, own);
        return merged;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode current = into.get(e.getKey());
            if (current instanceof ObjectNode c && e.getValue() instanceof ObjectNode f) {
                merge(c, f);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    /** The post-hoc settings: the recipe's, or the defaults where it gives none. */
    public PosthocSettings posthocSettings() {
        return PosthocSettings.orDefaults(posthoc);
    }

    /**
     * Reads and checks a recipe; it may extend another ({@code "extends": "default.json"}: only the fields that
     * differ are given), and its {@code posthoc} section may give any subset of the settings, the defaults filling
     * the rest. Errors name the file and the field.
     */
    public static Recipe load(Path file) throws IOException {
        JsonNode tree = resolve(file, new java.util.ArrayList<>());
        PosthocSettings posthoc = PosthocSettings.read(((ObjectNode) tree).remove("posthoc"), file.toString());
        Recipe r;
        try {
            r = Json.MAPPER.treeToValue(tree, Recipe.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": " + e.getOriginalMessage(), e);
        }
        r = new Recipe(r.name, r.description, r.protocol, r.targetSources, r.seed, r.ensemble, r.model, r.batchSize,
                r.curvePointsPerRun, r.curveWeight, r.huberDelta, r.weightDecay, r.patience, r.stages,
                r.residualScale, r.derivedExtras, posthoc);
        r.validate(file.toString());
        return r;
    }

    void validate(String where) {
        posthocSettings().validate(where);
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException(where + ": field 'stages': at least one stage is required");
        }
        if (model == null) {
            throw new IllegalArgumentException(where + ": field 'model': the network shape is required");
        }
        atLeast(where, "batch_size", batchSize, 1);
        atLeast(where, "ensemble", ensemble, 1);
        atLeast(where, "patience", patience, 1);
        atLeast(where, "curve_points_per_run", curvePointsPerRun, 1);
        positive(where, "huber_delta", huberDelta);
        nonNegative(where, "curve_weight", curveWeight);
        nonNegative(where, "weight_decay", weightDecay);
        atLeast(where, "model.d_model", model.dModel(), 1);
        atLeast(where, "model.heads", model.heads(), 1);
        atLeast(where, "model.layers", model.layers(), 1);
        atLeast(where, "model.ff_hidden", model.ffHidden(), 1);
        atLeast(where, "model.head_hidden", model.headHidden(), 1);
        if (model.dModel() % model.heads() != 0) {
            throw new IllegalArgumentException(where + ": field 'model.d_model': " + model.dModel()
                    + " must be a multiple of model.heads (" + model.heads() + ")");
        }
        if (!(model.dropout() >= 0 && model.dropout() < 1)) {
            throw new IllegalArgumentException(where + ": field 'model.dropout': must be in [0, 1), got "
                    + model.dropout());
        }
        try {
            dev.ncpl.eval.Protocol.parse(protocol == null ? "in_val" : protocol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": field 'protocol': " + e.getMessage(), e);
        }
        try {
            finalResidualScale();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": field 'residual_scale': " + e.getMessage(), e);
        }
        try {
            extras();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": field 'derived_extras': " + e.getMessage(), e);
        }
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            String field = "stages[" + i + "]";
            atLeast(where, field + ".epochs", s.epochs(), 1);
            positive(where, field + ".lr", s.lr());
            nonNegative(where, field + ".warmup_epochs", s.warmupEpochs());
        }
    }

    private static void atLeast(String where, String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(where + ": field '" + field + "': must be at least " + min + ", got "
                    + value);
        }
    }

    private static void positive(String where, String field, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(where + ": field '" + field + "': must be a finite number > 0, got "
                    + value);
        }
    }

    private static void nonNegative(String where, String field, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(where + ": field '" + field + "': must be a finite number >= 0, got "
                    + value);
        }
    }
}
