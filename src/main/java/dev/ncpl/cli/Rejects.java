package dev.ncpl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code --rejects FILE} of the commands that read many candidates: a candidate that cannot be read or
 * predicted (a value outside its range, an unknown optimizer, a size that cannot be resolved) is written to
 * FILE as JSONL {@code {"file", "line", "field", "problem"}} and the run goes on; the count is said at the end.
 * Without it, the first such candidate stops the run, as it always did.
 */
final class Rejects implements Closeable {
    private final Path file;
    private final AtomicLineWriter writer;
    private long count;

    private Rejects(Path file) throws IOException {
        this.file = file;
        this.writer = new AtomicLineWriter(file);
    }

    /** Rejects written to {@code file}, or null when {@code file} is null (the first invalid candidate stops). */
    static Rejects open(Path file) throws IOException {
        return file == null ? null : new Rejects(file);
    }

    /** Makes {@code reader} skip invalid candidates into this file. */
    CandidateReader attach(CandidateReader reader) {
        return reader.skippingInvalid(this::write);
    }

    private void write(InvalidRunException e) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("file", e.file());
        o.put("line", e.line());
        if (e.field() != null) {
            o.put("field", e.field());
        }
        o.put("problem", e.problem());
        o.put("message", e.getMessage());
        try {
            writer.line(Json.MAPPER.writeValueAsString(o));
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": " + ex.getMessage(), ex);
        }
        count++;
    }

    /** Renames the rejects file into place and says how many were rejected, of {@code total} read. */
    void commit(long predicted, PrintStream out) throws IOException {
        writer.commit();
        out.printf(Locale.ROOT, "rejected %d of %d candidates (reasons in %s)%n", count, predicted + count, file);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
