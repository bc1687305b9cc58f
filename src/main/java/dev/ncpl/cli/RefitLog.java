package dev.ncpl.cli;

import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.Provenance;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Path file = modelDir.resolve(NcplModel.MANIFEST);
        ModelManifest manifest = Json.read(file, ModelManifest.class);
        if (manifest.provenance() == null) {
            throw new IOException(file + ": no provenance to record the refit in");
        }
        Map<String, String> runs = new LinkedHashMap<>();
        for (Path f : data) {
            runs.put(f.getFileName().toString(), Hashing.sha256(f));
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (String name : written) {
            files.put(name, Hashing.sha256(modelDir.resolve(name)));
        }
        Provenance.Refit refit = new Provenance.Refit(command, Instant.now().toString(), runs, files);
        Json.writePretty(file, manifest.withProvenance(manifest.provenance().withRefit(refit)));
    }
}
