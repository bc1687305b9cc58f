package dev.ncpl.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads and writes the JSON parts of a model folder ({@link ModelFile}): a file is written with its {@code
 * format_version}, and read after {@link #migrate migrating} an older one to the current format in this one place
 * (a file without a version is version 1: written before versions were kept), so the classes that hold the parts
 * see only the current format. A file written by a newer ncpl is refused with its name and both versions.
 */
public final class ModelFiles {
    /** The key of the format version in each file. */
    static final String VERSION = "format_version";
    /** The curve bins of intervals written before the first tenth of training was split. */
    static final double[] EVEN_BIN_EDGES = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    /** The inputs of residual trees saved before the optimizer family and weight decay were read. */
    public static final java.util.List<String> LEGACY_DERIVED = java.util.List.of("log_params", "log_tokens",
            "log_tokens_per_param", "warmup_fraction", "mean_relative_lr", "final_relative_lr");

    private ModelFiles() {}

    /** Writes {@code value} as {@code part} of model folder {@code dir}, atomically, with the current version. */
    public static void write(Path dir, ModelFile part, Object value) throws IOException {
        writeFile(part.target(dir), part, value);
    }

    /**
     * Writes {@code value} to {@code file} in {@code part}'s current format, atomically. Written under the part's
     * name in a model folder, it replaces the part's plain-JSON file of an earlier build there, which is removed
     * (the reader would take the new file first; the old one would only mislead).
     */
    public static void writeFile(Path file, ModelFile part, Object value) throws IOException {
        JsonNode tree = Json.MAPPER.valueToTree(value);
        if (!(tree instanceof ObjectNode o)) {
            throw new IllegalArgumentException(part.fileName() + " must be a JSON object");
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put(VERSION, part.format());
        out.setAll(o);
        Json.writePretty(file, out);
        Path name = file.getFileName();
        if (part.legacyName() != null && name != null && name.toString().equals(part.fileName())) {
            Path legacy = file.resolveSibling(part.legacyName());
            if (Files.isRegularFile(legacy, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(legacy);
            }
        }
    }

    /** {@code part} of model folder {@code dir} read as {@code type}, or null when the folder has no such file. */
    public static <T> T readIfPresent(Path dir, ModelFile part, Class<T> type) throws IOException {
        Path file = part.in(dir);
        return Files.isRegularFile(file) ? readFile(file, part, type) : null;
    }

    /** {@code file}, a {@code part} of a model, read as {@code type} in the current format; errors name the file. */
    public static <T> T readFile(Path file, ModelFile part, Class<T> type) throws IOException {
        JsonNode tree = Json.read(file, JsonNode.class);
        if (!(tree instanceof ObjectNode o)) {
            throw new IOException(file + ": expected a JSON object");
        }
        JsonNode v = o.remove(VERSION);
        int version = v == null ? 1 : v.asInt(-1);
        if (version < 1 || (v != null && !v.canConvertToInt())) {
            throw new IOException(file + ": field '" + VERSION + "': not a format version: " + v);
        }
        if (version > part.format()) {
            throw new IOException(file + ": format version " + version + " was written by a newer ncpl; this one reads "
                    + part.fileName() + " up to version " + part.format());
        }
        migrate(part, o, version);
        try {
            return Json.MAPPER.treeToValue(o, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new IOException(file + ": " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /**
     * Brings {@code tree}, {@code part} at {@code version}, to the current format: the one place where what older
     * files left out is given the value those files were used with.
     */
    static void migrate(ModelFile part, ObjectNode tree, int version) {
        if (version >= part.format()) {
            return;
        }
        PosthocSettings d = PosthocSettings.DEFAULTS;
        switch (part) {
            case RESIDUALS -> {
                // before the weight was kept the trees and the network weighed the same; the process weight and the
                // fade were the defaults; files before processes and ranges had none
                putIfAbsent(tree, "weight", 0.5);
                putIfAbsent(tree, "gp_weight", d.residual().gpWeight());
                putIfAbsent(tree, "network_fade", d.residual().networkFade());
                objectIfAbsent(tree, "gps");
                objectIfAbsent(tree, "gp_checks");
                objectIfAbsent(tree, "ranges");
                if (tree.get("sources") instanceof ObjectNode sources) {
                    sources.forEach(node -> {
                        if (node instanceof ObjectNode trees) {
                            migrateSourceTrees(trees);
                        }
                    });
                }
            }
            case PREFIX -> migratePrefix(tree);
            case SHAPE -> {
                if (tree.get("from_final") instanceof ObjectNode fromFinal) {
                    migratePrefix(fromFinal);
                }
            }
            case INTERVALS -> migrateIntervals(tree);
            case CONDITIONED_INTERVALS -> {
                if (tree.get("by_observed_fraction") instanceof ObjectNode byFraction) {
                    byFraction.forEach(node -> {
                        if (node instanceof ObjectNode intervals) {
                            migrateIntervals(intervals);
                        }
                    });
                }
            }
            default -> { }
        }
    }

    /**
     * A source's trees saved before the bagging (one ensemble under {@code trees}, over the six scale and schedule
     * inputs, fitted to the squared error, none pooled).
     */
    private static void migrateSourceTrees(ObjectNode trees) {
        JsonNode legacy = trees.remove("trees");
        if (!trees.has("members") && legacy != null) {
            trees.putArray("members").add(legacy);
        }
        if (!trees.hasNonNull("derived")) {
            ArrayNode derived = trees.putArray("derived");
            for (String d : LEGACY_DERIVED) {
                derived.add(d);
            }
        }
        if (!trees.hasNonNull("loss")) {
            trees.put("loss", "SQUARED");
        }
        if (!trees.hasNonNull("pooled")) {
            trees.putArray("pooled");
        }
    }

    /** A conditioner saved before members (one set of laws), and before its clamp margin and earliest cut were kept. */
    private static void migratePrefix(ObjectNode tree) {
        JsonNode laws = tree.remove("laws");
        if (!tree.has("members") && laws != null) {
            tree.putArray("members").add(laws);
        }
        putIfAbsent(tree, "clamp_margin", PosthocSettings.DEFAULTS.curves().prefixClampMargin());
        putIfAbsent(tree, "min_cut", PosthocSettings.DEFAULTS.curves().prefixMinCut());
    }

    /** Intervals whose sources were calibrated in ten even curve bins, before the first tenth was split. */
    private static void migrateIntervals(ObjectNode tree) {
        if (tree.get("sources") instanceof ObjectNode sources) {
            for (Iterator<Map.Entry<String, JsonNode>> it = sources.fields(); it.hasNext(); ) {
                if (it.next().getValue() instanceof ObjectNode c && !c.hasNonNull("curve_bin_edges")) {
                    ArrayNode edges = c.putArray("curve_bin_edges");
                    for (double e : EVEN_BIN_EDGES) {
                        edges.add(e);
                    }
                }
            }
        }
    }

    private static void putIfAbsent(ObjectNode tree, String field, double value) {
        if (!tree.hasNonNull(field)) {
            tree.put(field, value);
        }
    }

    private static void objectIfAbsent(ObjectNode tree, String field) {
        if (!tree.hasNonNull(field)) {
            tree.putObject(field);
        }
    }
}
