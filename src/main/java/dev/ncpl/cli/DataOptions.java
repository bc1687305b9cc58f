package dev.ncpl.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The run files a command reads: given with {@code --runs}, or by default the shared pretraining logs a model was
 * trained on (the file names of its provenance, found in {@code --data}), or a command's own default files there.
 */
public final class DataOptions {
    /** Default location of the shared logs, relative to the project folder. */
    public static final String DEFAULT_DATA = "../shared/pretraining-logs";
    /** The shared run files of every public sweep that has one: what the shipped models learn from. */
    public static final String[] EVERY_SOURCE = {"marin.jsonl", "steplaw.jsonl", "openlm.jsonl", "steplaw-moe.jsonl",
        "gemstones.jsonl", "datablations.jsonl"};

    @Option(names = "--runs", split = ",", paramLabel = "FILE",
            description = "Run files (JSONL). Default: with a model, the run files it was trained on, in --data; "
                    + "otherwise the shared sweeps' files a command names in its help.")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder of the shared pretraining logs (default: ${DEFAULT-VALUE}).",
            defaultValue = "${sys:ncpl.home:-.}/" + DEFAULT_DATA)
    Path data;

    /**
     * The files to read: --runs, or the run files the models in {@code modelDirs} were trained on (their union, in
     * their order; only plain file names, looked up in --data), or where none records any, {@code defaults}.
     */
    public List<Path> filesOf(List<Path> modelDirs, String... defaults) throws java.io.IOException {
        if (!runs.isEmpty()) {
            return runs;
        }
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Path m : modelDirs) {
            Path manifest = m.resolve(dev.ncpl.model.NcplModel.MANIFEST);
            if (Files.isRegularFile(manifest)) {
                dev.ncpl.model.Provenance p = dev.ncpl.util.Json.read(manifest, dev.ncpl.model.ModelManifest.class)
                        .provenance();
                if (p != null) {
                    names.addAll(p.data().keySet());
                }
            }
        }
        for (String n : names) {
            // a name from a model file is only ever looked up inside --data
            if (n.isEmpty() || n.contains("/") || n.contains("\\") || n.equals(".") || n.equals("..")) {
                throw new IllegalArgumentException("no --runs given, and the model records run file '" + n
                        + "', which is not a plain file name to look up in " + data + ": pass --runs FILE");
            }
        }
        return files(names.isEmpty() ? defaults : names.toArray(String[]::new));
    }

    /** The files to read: --runs, or the named default files in --data. */
    public List<Path> files(String... defaults) {
        if (!runs.isEmpty()) {
            return runs;
        }
        List<Path> out = new ArrayList<>();
        for (String d : defaults) {
            Path p = data.resolve(d).normalize();
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("no --runs given and " + p + " does not exist: pass --runs FILE "
                        + "or --data DIR (the folder of " + String.join(", ", defaults) + ")");
            }
            out.add(p);
        }
        return out;
    }
}
