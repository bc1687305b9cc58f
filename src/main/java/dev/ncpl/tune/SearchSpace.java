package dev.ncpl.tune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ncpl.runs.ConfigLimits;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code ncpl tune} may change: a JSON or YAML mapping from dotted config keys to a range
 * ({@code {min: 1e-4, max: 1e-2, log: true}}, {@code integer: true} to round) or a list of choices
 * ({@code {choices: [cosine, linear]}} or simply {@code [128, 256, 512]}).
 */
public record SearchSpace(List<Dimension> dimensions) {
    public SearchSpace {
        if (dimensions.isEmpty()) {
            throw new IllegalArgumentException("the search space has no dimensions");
        }
        dimensions = List.copyOf(dimensions);
    }

    /** Reads a space file; errors name the file and the key. */
    public static SearchSpace read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper() : Json.MAPPER;
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": malformed search space: " + e.getOriginalMessage(), e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a space from its tree form. */
    public static SearchSpace parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a mapping from config keys to ranges or choices");
        }
        List<Dimension> dims = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            dims.add(dimension(e.getKey(), e.getValue()));
        }
        return new SearchSpace(dims);
    }

    private static Dimension dimension(String key, JsonNode spec) {
        if (spec.isArray()) {
            return choices(key, spec);
        }
        if (!spec.isObject()) {
            throw new IllegalArgumentException("key '" + key + "': expected {min, max[, log, integer]}, "
                    + "{choices: [...]} or a list");
        }
        if (spec.has("choices")) {
            return choices(key, spec.get("choices"));
        }
        if (!spec.path("min").isNumber() || !spec.path("max").isNumber()) {
            throw new IllegalArgumentException("key '" + key + "': a range needs numeric 'min' and 'max'");
        }
        Dimension range = new Dimension(key, spec.get("min").asDouble(), spec.get("max").asDouble(),
                spec.path("log").asBoolean(false), spec.path("integer").asBoolean(false), null);
        checkValue(key, spec.get("min"));
        checkValue(key, spec.get("max"));
        return range;
    }

    /** Refuses a value a config could not hold at {@code key} (its physical range, see {@link ConfigLimits}). */
    private static void checkValue(String key, JsonNode value) {
        ConfigLimits.problem(key, value).ifPresent(problem -> {
            throw new IllegalArgumentException("key '" + key + "': value " + value + " " + problem.replaceFirst(
                    ", got .*$", ""));
        });
    }

    private static Dimension choices(String key, JsonNode list) {
        if (!list.isArray()) {
            throw new IllegalArgumentException("key '" + key + "': 'choices' must be a list");
        }
        List<JsonNode> values = new ArrayList<>();
        list.forEach(values::add);
        Dimension choice = new Dimension(key, 0, 0, false, false, values);
        values.forEach(v -> checkValue(key, v));
        return choice;
    }

    public int size() {
        return dimensions.size();
    }
}
