package dev.ncpl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.ranking.CandidateRanker.Scored;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Csv;
import dev.ncpl.util.Json;
import dev.ncpl.util.Terminal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ranked candidates that {@code score} and {@code tune} print and save: a table with a column for
 * each config key on which the rows differ, and a file (JSONL with the whole config, or CSV with one
 * column per flattened config key).
 */
final class RankedCandidates {
    /** At most this many differing keys are shown as columns. */
    static final int MAX_COLUMNS = 6;

    private RankedCandidates() {}

    /** The ranked table, with a column for each config key whose value differs among the rows. */
    static String table(List<Scored> rows) {
        List<Map<String, JsonNode>> flat = flatten(rows);
        Set<String> keys = new LinkedHashSet<>();
        flat.forEach(m -> keys.addAll(m.keySet()));
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            Set<String> values = new LinkedHashSet<>();
            flat.forEach(m -> values.add(Objects.toString(m.get(key))));
            if (values.size() > 1 && differing.size() < MAX_COLUMNS) {
                differing.add(key);
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%4s  %-40s %9s", "rank", "id", "loss"));
        differing.forEach(k -> sb.append(String.format(Locale.ROOT, "  %14s", Terminal.safe(shortKey(k)))));
        sb.append('\n');
        for (int i = 0; i < rows.size(); i++) {
            String id = Terminal.safe(rows.get(i).run().id());
            sb.append(String.format(Locale.ROOT, "%4d  %-40s %9.4f", i + 1,
                    id.length() > 40 ? "…" + id.substring(id.length() - 39) : id, rows.get(i).loss()));
            for (String k : differing) {
                JsonNode v = flat.get(i).get(k);
                sb.append(String.format(Locale.ROOT, "  %14s", v == null ? "-"
                        : v.isNumber() ? String.format(Locale.ROOT, "%.4g", v.asDouble()) : Terminal.safe(v.asText())));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Writes the rows to {@code file}: CSV ({@code rank,id,loss} and one column per config key) when
     * its name ends in {@code .csv}, otherwise JSONL {@code {"rank", "id", "loss", "config"}}.
     */
    static void write(Path file, List<Scored> rows) throws IOException {
        try (AtomicLineWriter w = new AtomicLineWriter(file)) {
            if (Csv.isCsv(file)) {
                List<Map<String, JsonNode>> flat = flatten(rows);
                Set<String> keys = new java.util.TreeSet<>();
                flat.forEach(m -> keys.addAll(m.keySet()));
                List<String> header = new ArrayList<>(List.of("rank", "id", "loss"));
                header.addAll(keys);
                w.line(Csv.row(header));
                for (int i = 0; i < rows.size(); i++) {
                    List<String> cells = new ArrayList<>(List.of(Integer.toString(i + 1), rows.get(i).run().id(),
                            Double.toString(rows.get(i).loss())));
                    for (String k : keys) {
                        JsonNode v = flat.get(i).get(k);
                        cells.add(v == null ? "" : v.asText());
                    }
                    w.line(Csv.row(cells));
                }
            } else {
                for (int i = 0; i < rows.size(); i++) {
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    o.put("rank", i + 1);
                    o.put("id", rows.get(i).run().id());
                    o.put("loss", rows.get(i).loss());
                    o.set("config", rows.get(i).run().config());
                    w.line(Json.MAPPER.writeValueAsString(o));
                }
            }
            w.commit();
        }
    }

    private static List<Map<String, JsonNode>> flatten(List<Scored> rows) {
        List<Map<String, JsonNode>> flat = new ArrayList<>();
        for (Scored r : rows) {
            Map<String, JsonNode> m = new TreeMap<>();
            ConfigFlattener.flatten("", r.run().config(), m);
            flat.add(m);
        }
        return flat;
    }

    private static String shortKey(String key) {
        return key.length() > 14 ? key.substring(key.length() - 14) : key;
    }
}
