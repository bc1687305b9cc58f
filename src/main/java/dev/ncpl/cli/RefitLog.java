package dev.ncpl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.model.NcplModel;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Records in a model's provenance ({@code model.json}, {@code provenance.refits}) each time a command fits again a
 * part that sits beside the network ({@code ncpl refit}, {@code ncpl calibrate}, {@code ncpl baseline --model}):
 * the command, when, the run files it read and their hashes, and the files it wrote and theirs. A model whose
 * trees or intervals were refitted after its training is not the model its training record alone describes.
 */
final class RefitLog {
    private RefitLog() {}

    /** Appends the refit by {@code command} of {@code written} (file names in {@code modelDir}) from {@code data}. */
    static void record(Path modelDir, String command, List<Path> data, List<String> written) throws IOException {
        Path manifest = modelDir.resolve(NcplModel.MANIFEST);
        JsonNode root = Json.MAPPER.readTree(manifest.toFile());
        if (!(root instanceof ObjectNode model) || !(model.get("provenance") instanceof ObjectNode provenance)) {
            throw new IOException(manifest + ": no provenance object to record the refit in");
        }
        ObjectNode entry = provenance.withArray("refits").addObject();
        entry.put("command", command);
        entry.put("at", Instant.now().toString());
        ObjectNode runs = entry.putObject("data");
        for (Path file : data) {
            runs.put(file.getFileName().toString(), Hashing.sha256(file));
        }
        ObjectNode files = entry.putObject("files");
        for (String name : written) {
            files.put(name, Hashing.sha256(modelDir.resolve(name)));
        }
        Json.writePretty(manifest, model);
    }
}
