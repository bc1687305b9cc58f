package dev.ncpl.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ncpl.util.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Reads candidate configs to predict or rank from the files people have, chosen by extension:
 * <ul>
 *   <li>{@code .jsonl}: runs or bare configs in the run format, one per line (streamed);</li>
 *   <li>{@code .json}, {@code .yaml}, {@code .yml}: one run ({@code {"config": …}}) or one bare config
 *       (the sections themselves: {@code model:}, {@code optimizer:} …);</li>
 *   <li>{@code .csv}: one candidate per row, columns named by dotted config keys ({@code optimizer.lr});
 *       columns {@code id}, {@code source}, {@code metric}, {@code split} fill the run's own fields (streamed).</li>
 * </ul>
 * Candidates need neither an id nor a curve; a missing source is {@code defaultSource}.
 */
public final class CandidateReader implements Iterator<Run>, Closeable {
    private static final List<String> RUN_FIELDS = List.of("id", "source", "metric", "split");

    private final Iterator<Run> delegate;
    private final Closeable resource;
    private final String file;
    /** The line of the candidate {@link #next()} returned last (0: the whole file). */
    private final LongSupplier lastLine;
    private Consumer<Run> check = run -> { };
    /** Where invalid candidates go when they are skipped; null: the first one stops the reading. */
    private Consumer<InvalidRunException> onInvalid;
    /** The candidate read ahead by {@link #hasNext()}. */
    private Run ahead;

    private CandidateReader(Iterator<Run> delegate, Closeable resource, Path file, LongSupplier lastLine) {
        this.delegate = delegate;
        this.resource = resource;
        this.file = file.toString();
        this.lastLine = lastLine;
    }

    /**
     * Runs {@code check} on every candidate as it is read, and re-throws the {@link InvalidRunException} it
     * throws placed at the candidate's file and line: what a predictor cannot use (an optimizer it never saw, an
     * unknown schedule, a size it cannot resolve) is reported where the user can fix it, before any batch of
     * candidates is formed.
     *
     * @return this reader
     */
    public CandidateReader checkedBy(Consumer<Run> check) {
        this.check = check;
        return this;
    }

    /** Opens {@code file} by its extension. */
    public static CandidateReader open(Path file, String defaultSource) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRunException(file.toString(), 0, null, "no such file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl")) {
            RunReader r = RunReader.open(file, RunReader.Options.CANDIDATES, defaultSource);
            return new CandidateReader(r, r, file, r::lastLine);
        }
        if (name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml")) {
            Run run = single(file, name.endsWith(".json") ? Json.MAPPER : new YAMLMapper(), defaultSource);
            return new CandidateReader(List.of(run).iterator(), () -> { }, file, () -> 0);
        }
        if (name.endsWith(".csv")) {
            return csv(file, defaultSource);
        }
        throw new InvalidRunException(file.toString(), 0, null,
                "unknown file type: expected .jsonl, .json, .yaml, .yml or .csv");
    }

    /** How many candidates {@code file} holds (for progress bars): non-blank lines, less a CSV header. */
    public static long count(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRunException(file.toString(), 0, null, Files.isDirectory(file) ? "is a folder, not a file"
                    : "no such file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".jsonl") && !name.endsWith(".csv")) {
            return 1;
        }
        long n = 0;
        try (java.io.BufferedReader r = Files.newBufferedReader(file)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    n++;
                }
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw RunReader.notUtf8(file);
        }
        return name.endsWith(".csv") ? Math.max(0, n - 1) : n;
    }

    private static Run single(Path file, ObjectMapper mapper, String defaultSource) throws IOException {
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new InvalidRunException(file.toString(), line, null, "malformed document: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRunException(file.toString(), 0, null, "expected a run or a config (a mapping of sections)");
        }
        JsonNode doc = root;
        if (!root.has("config")) {
            ObjectNode wrapped = Json.MAPPER.createObjectNode();
            wrapped.set("config", root);
            doc = wrapped;
        }
        String id = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        return new RunParser(file.toString(), 0, RunReader.Options.CANDIDATES).parse(doc, id, defaultSource);
    }

    private static CandidateReader csv(Path file, String defaultSource) throws IOException {
        CsvMapper mapper = new CsvMapper();
        MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile());
        String base = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        // file line of the current row: the header is line 1 (rows spanning lines are not counted apart)
        long[] line = {1};
        Iterator<Run> it = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return rows.hasNextValue();
                } catch (IOException | RuntimeException e) {
                    throw new UnreadableFileException(file.toString(), rows.getCurrentLocation().getLineNr(),
                            "malformed CSV: " + e.getMessage());
                }
            }

            @Override
            public Run next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Map<String, String> row;
                line[0]++;
                try {
                    row = rows.nextValue();
                } catch (IOException | RuntimeException e) {
                    throw new UnreadableFileException(file.toString(), line[0], "malformed CSV: " + e.getMessage());
                }
                return new RunParser(file.toString(), line[0], RunReader.Options.CANDIDATES)
                        .parse(rowToRun(row, file.toString(), line[0]), base + "#" + line[0], defaultSource);
            }
        };
        return new CandidateReader(it, rows, file, () -> line[0]);
    }

    /** A CSV row as a run document: dotted columns become nested config keys. */
    static ObjectNode rowToRun(Map<String, String> row, String file, long line) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        ObjectNode config = doc.putObject("config");
        for (Map.Entry<String, String> e : row.entrySet()) {
            String key = e.getKey().trim();
            String value = e.getValue() == null ? "" : e.getValue().trim();
            if (value.isEmpty() || key.isEmpty()) {
                continue;
            }
            if (RUN_FIELDS.contains(key)) {
                doc.put(key, value);
                continue;
            }
            String[] parts = key.split("\\.");
            ObjectNode node = config;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = node.get(parts[i]);
                if (child != null && !child.isObject()) {
                    throw new InvalidRunException(file, line, key, "column clashes with column '" + parts[i] + "'");
                }
                node = child == null ? node.putObject(parts[i]) : (ObjectNode) child;
            }
            put(node, parts[parts.length - 1], value);
        }
        return doc;
    }

    /** A whole number, or a decimal one with an optional exponent ({@code 3e-4}, {@code .5}). */
    private static final java.util.regex.Pattern INTEGER = java.util.regex.Pattern.compile("[-+]?\\d+");
    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile(
            "[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?(NaN|Infinity)");

    /** Sets a CSV cell: a boolean, a number (of any size) or text. */
    private static void put(ObjectNode node, String key, String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            node.put(key, Boolean.parseBoolean(value));
        } else if (INTEGER.matcher(value).matches()) {
            java.math.BigInteger big = new java.math.BigInteger(value);
            if (big.bitLength() < 64) {
                node.put(key, big.longValue());
            } else {
                node.put(key, big);
            }
        } else if (DECIMAL.matcher(value).matches()) {
            node.put(key, Double.parseDouble(value));
        } else {
            node.put(key, value);
        }
    }

    /**
     * Hands every candidate that cannot be read or predicted to {@code sink} and goes on with the next, instead of
     * stopping at the first; a file whose reading cannot go on past an error (a broken CSV quote) still stops.
     *
     * @return this reader
     */
    public CandidateReader skippingInvalid(Consumer<InvalidRunException> sink) {
        this.onInvalid = sink;
        return this;
    }

    @Override
    public boolean hasNext() {
        while (ahead == null) {
            InvalidRunException problem;
            try {
                if (!delegate.hasNext()) {
                    return false;
                }
                Run run = delegate.next();
                try {
                    check.accept(run);
                } catch (InvalidRunException e) {
                    throw e.locatedAt(file, lastLine.getAsLong());
                }
                ahead = run;
                return true;
            } catch (InvalidRunException e) {
                problem = e;
            }
            if (onInvalid == null || problem instanceof UnreadableFileException) {
                throw problem;
            }
            onInvalid.accept(problem);
        }
        return true;
    }

    @Override
    public Run next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Run run = ahead;
        ahead = null;
        return run;
    }

    @Override
    public void close() throws IOException {
        resource.close();
    }
}
