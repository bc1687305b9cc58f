package dev.ncpl.util;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files so that a reader never sees a half-written one: content goes to a temporary file in
 * the same folder, which is then renamed over the target. A crash leaves the old file intact. The target
 * is resolved by {@link OutputTarget}: a symbolic link is written through and a device or pipe is written in
 * place, never replaced.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writer callback that may throw {@link IOException}. */
    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Streams content to a temporary sibling of {@code target}, then renames it into place. */
    public static void write(Path target, StreamWriter writer) throws IOException {
        OutputTarget t = OutputTarget.of(target);
        if (t.special()) {
            try (OutputStream out = t.openInPlace()) {
                writer.write(out);
            }
            return;
        }
        Path tmp = TempFiles.create(t.path().getParent(), t.path());
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            move(tmp, t.path());
            TempFiles.done(tmp);
        } catch (IOException | RuntimeException e) {
            TempFiles.delete(tmp);
            throw e;
        }
    }

    /** Renames {@code source} onto {@code target}, atomically where the file system allows. */
    public static void move(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Like {@link #writeString} but wraps the checked exception, for use in lambdas. */
    public static void writeStringUnchecked(Path target, String text) {
        try {
            writeString(target, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
