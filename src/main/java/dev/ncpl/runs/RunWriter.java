package dev.ncpl.runs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes runs as JSONL in the run format. Output goes to a temporary file and appears under its
 * name only on {@link #commit()}, so an interrupted write never leaves a truncated file.
 */
public final class RunWriter implements Closeable {
    private final AtomicLineWriter out;

    public RunWriter(Path target) throws IOException {
        this.out = new AtomicLineWriter(target);
    }

    /** The JSON form of one run, as one line of the format. */
    public static ObjectNode toJson(Run run) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", run.id());
        o.put("source", run.source());
        if (!run.split().isEmpty()) {
            o.put("split", run.split());
        }
        o.put("metric", run.metric());
        o.set("config", run.config());
        ArrayNode curve = o.putArray("curve");
        for (int i = 0; i < run.curve().size(); i++) {
            double step = run.curve().step(i);
            ArrayNode p = curve.addArray();
            if (step == Math.rint(step)) {
                p.add((long) step);
            } else {
                p.add(step);
            }
            p.add(run.curve().loss(i));
        }
        return o;
    }

    public void write(Run run) throws IOException {
        out.line(Json.MAPPER.writeValueAsString(toJson(run)));
    }

    public void commit() throws IOException {
        out.commit();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Writes all {@code runs} to {@code target} atomically. */
    public static void writeAll(Path target, Iterable<Run> runs) throws IOException {
        try (RunWriter w = new RunWriter(target)) {
            for (Run r : runs) {
                w.write(r);
            }
            w.commit();
        }
    }
}
