package dev.ncpl.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training configuration to predict: a run of the run format ({@code {"id", "source", "metric", "config": {...},
 * "curve": [[step, loss], ...]}}, curve optional) or a bare config (its sections {@code model}, {@code optimizer},
 * {@code data}, {@code schedule}). Values are checked with their physical range when it is made: a bad one throws
 * an {@code IllegalArgumentException} naming the field.
 */
public final class Config {
    private final Run run;

    private Config(Run run) {
        this.run = run;
    }

    /** A config from JSON or YAML text: a run, or a bare config; {@code source} names its source when it gives none. */
    public static Config parse(String text, String source) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON or YAML document: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a run or a config (a mapping of sections)");
        }
        ObjectNode doc = (ObjectNode) root;
        if (!doc.has("config")) {
            doc = Json.MAPPER.createObjectNode();
            doc.set("config", root);
        }
        if (!doc.has("id")) {
            doc.put("id", "config");
        }
        if (!doc.has("source")) {
            doc.put("source", source == null ? "unknown" : source);
        }
        if (!doc.has("curve")) {
            doc.putArray("curve");
        }
        return new Config(RunReader.parseCandidate("<config>", doc));
    }

    /** Every config in {@code file} (JSONL, JSON, YAML or CSV, as {@code ncpl predict} reads them). */
    public static List<Config> read(Path file, String source) throws IOException {
        List<Config> out = new ArrayList<>();
        try (CandidateReader reader = CandidateReader.open(file, source)) {
            reader.forEachRemaining(r -> out.add(new Config(r)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    /** The config of {@code run} (for ncpl's own commands, which read runs themselves). */
    public static Config of(Run run) {
        return new Config(run);
    }

    /** This config as a run in progress: its loss curve so far, {@code steps} increasing. */
    public Config withCurve(double[] steps, double[] losses) {
        return new Config(run.withCurve(new Curve(steps, losses)));
    }

    public String id() {
        return run.id();
    }

    public String source() {
        return run.source();
    }

    /** The run this config is (ncpl's own type). */
    public Run run() {
        return run;
    }
}
