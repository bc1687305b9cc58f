package dev.ncpl.util;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams text lines into a temporary file beside the target and renames it into place on
 * {@link #commit()}. Closing without committing deletes the temporary file, so a failed run never
 * leaves a truncated output behind. The target is resolved by {@link OutputTarget}: a symbolic link is
 * written through, and a device or pipe ({@code /dev/null}) is written in place as the lines come.
 */
public final class AtomicLineWriter implements Closeable {
    private final OutputTarget target;
    private final Path tmp;
    private final BufferedWriter writer;
    private boolean committed;

    public AtomicLineWriter(Path target) throws IOException {
        this.target = OutputTarget.of(target);
        if (this.target.special()) {
            this.tmp = null;
            this.writer = new BufferedWriter(new OutputStreamWriter(this.target.openInPlace(), StandardCharsets.UTF_8));
        } else {
            this.tmp = TempFiles.create(this.target.path().getParent(), this.target.path());
            this.writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
        }
    }

    /** Appends one line (a newline is added). */
    public void line(String text) throws IOException {
        writer.write(text);
        writer.write('\n');
    }

    /** Flushes and renames the temporary file onto the target. */
    public void commit() throws IOException {
        writer.close();
        if (tmp != null) {
            AtomicFiles.move(tmp, target.path());
            TempFiles.done(tmp);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            writer.close();
            if (tmp != null) {
                TempFiles.delete(tmp);
            }
        }
    }
}
