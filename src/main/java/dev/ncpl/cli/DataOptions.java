package dev.ncpl.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The run files a command reads: given with {@code --runs}, or the shared pretraining logs by default. */
public final class DataOptions {
    /** Default location of the shared logs, relative to the project folder. */
    public static final String DEFAULT_DATA = "../shared/pretraining-logs";

    @Option(names = "--runs", split = ",", paramLabel = "FILE",
            description = "Run files (JSONL). Default: marin.jsonl and steplaw.jsonl (and openlm.jsonl where a "
                    + "command says so) in --data.")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder of the shared pretraining logs (default: ${DEFAULT-VALUE}).",
            defaultValue = "${sys:ncpl.home:-.}/" + DEFAULT_DATA)
    Path data;

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
                        + "or --data DIR (the folder of marin.jsonl and steplaw.jsonl)");
            }
            out.add(p);
        }
        return out;
    }
}
