package dev.ncpl.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config files a tool writes beside its metrics: config.json/yaml, hparams.yaml, W&B's config.yaml. */
final class SideConfig {
    /** File names looked for, in the order their values are applied (later ones win). */
    static final List<String> NAMES = List.of("config.json", "config.yaml", "config.yml", "hparams.yaml", "hparams.yml",
            "hparams.json", "params.json", "run_config.json", "run_config.yaml");

    private SideConfig() {}

    /** The config documents in {@code dir}; a malformed one is an error naming it. */
    static List<JsonNode> in(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String n : NAMES) {
            Path f = dir.resolve(n);
            if (Files.isRegularFile(f)) {
                out.add(read(f));
            }
        }
        return out;
    }

    /** Reads one JSON or YAML document; errors name the file and line. */
    static JsonNode read(Path f) throws IOException {
        String name = f.getFileName().toString();
        try {
            JsonNode n = (name.endsWith(".json") ? Json.MAPPER : new YAMLMapper()).readTree(f.toFile());
            if (n == null || !n.isObject()) {
                throw new IOException(f + ": expected a mapping of hyperparameters");
            }
            return n;
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new IOException(f + (line > 0 ? ":" + line : "") + ": malformed " + (name.endsWith(".json") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage());
        }
    }
}
