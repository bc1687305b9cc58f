package dev.ncpl.util;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams text lines into a temporary file beside the target and renames it into place on
 * {@link #commit()}. Closing without committing deletes the temporary file, so a failed run never
 * leaves a truncated output behind.
 */
public final class AtomicLineWriter implements Closeable {
    private final Path target;
    private final Path tmp;
    private final BufferedWriter writer;
    private boolean committed;

    public AtomicLineWriter(Path target) throws IOException {
        this.target = target;
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        this.tmp = AtomicFiles.createTemp(dir, target);
        this.writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
    }

    /** Appends one line (a newline is added). */
    public void line(String text) throws IOException {
        writer.write(text);
        writer.write('\n');
    }

    /** Flushes and renames the temporary file onto the target. */
    public void commit() throws IOException {
        writer.close();
        AtomicFiles.move(tmp, target);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            writer.close();
            Files.deleteIfExists(tmp);
        }
    }
}
