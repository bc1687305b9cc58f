package dev.ncpl.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A tool's log format: recognises its files and reads the runs in them. */
public interface LogFormat {
    /** A short name for messages, such as {@code huggingface}. */
    String name();

    /** Whether {@code path} (a file or a folder) is a run in this format, to be read by {@link #read}. */
    boolean detects(Path path);

    /** Reads the run(s) at {@code path}; a malformed file is an {@link IOException} naming it and the problem. */
    List<ImportedLog> read(Path path) throws IOException;
}
