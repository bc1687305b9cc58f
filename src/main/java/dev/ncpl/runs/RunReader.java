package dev.ncpl.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.util.Json;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Streams runs from a JSONL file (one run per line, see datasets/README.md), validating each as it
 * goes. Only the current line is held in memory. Every problem is reported as an
 * {@link InvalidRunException} naming the file, the line and the field.
 */
public final class RunReader implements Iterator<Run>, Closeable {
    /** A curve whose final loss exceeds its minimum by this factor is taken as diverged. */
    public static final double DIVERGENCE_FACTOR = 1.5;

    /**
     * What a reader demands of each line.
     *
     * @param requireCurve a run must carry a non-empty curve (training and evaluation data)
     * @param requireId a run must carry an id (otherwise {@code <file>#<line>} is used)
     * @param checkDuplicates reject a second run with an id already seen by this reader
     * @param rejectDiverged reject a curve whose last loss is over {@link #DIVERGENCE_FACTOR} times its minimum:
     *     a diverged run teaches nothing, but a run in progress may end in a spike and still be predicted
     */
    public record Options(boolean requireCurve, boolean requireId, boolean checkDuplicates, boolean rejectDiverged) {
        /** Training and evaluation data: everything is required, and diverged runs are refused. */
        public static final Options STRICT = new Options(true, true, true, true);
        /** Candidate configs to predict: curve and id optional, duplicates allowed, a curve may end in a spike. */
        public static final Options CANDIDATES = new Options(false, false, false, false);
    }

    private final Path file;
    private final String name;
    private final BufferedReader reader;
    private final Options options;
    private final Set<String> seenIds;
    private String defaultSource;
    private long lineNo;
    /** Line of the run {@link #next()} returned last; 0 before the first. */
    private long lastLine;
    /** Line of the run read ahead by {@link #hasNext()}. */
    private long nextLine;
    private Run next;

    private RunReader(Path file, Options options, Set<String> seenIds) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidRunException(file.toString(), 0, null, "no such file");
        }
        this.file = file;
        this.name = file.toString();
        this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        this.options = options;
        this.seenIds = seenIds;
    }

    /**
     * Validates one run document (id, source, metric, config, curve) as strictly as a line of a runs
     * file; problems are reported against {@code origin} (the file it was made from).
     */
    public static Run parse(String origin, com.fasterxml.jackson.databind.JsonNode doc) {
        return new RunParser(origin, 0, Options.STRICT).parse(doc, null, null);
    }

    /**
     * Validates one candidate document (a run whose id, source, metric and curve are optional, as a line of a
     * candidates file); problems are reported against {@code origin}.
     */
    public static Run parseCandidate(String origin, com.fasterxml.jackson.databind.JsonNode doc) {
        return new RunParser(origin, 0, Options.CANDIDATES).parse(doc, "config", null);
    }

    /** Opens {@code file} for streaming. */
    public static RunReader open(Path file, Options options) throws IOException {
        return new RunReader(file, options, options.checkDuplicates() ? new HashSet<>() : null);
    }

    /** Like {@link #open(Path, Options)}, naming the source of runs that do not give one. */
    public static RunReader open(Path file, Options options, String defaultSource) throws IOException {
        RunReader r = open(file, options);
        r.defaultSource = defaultSource;
        return r;
    }

    /** A lazily read stream of the runs in {@code file}; close it to release the file. */
    public static Stream<Run> stream(Path file, Options options) throws IOException {
        RunReader r = open(file, options);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(r, Spliterator.ORDERED), false)
                .onClose(() -> {
                    try {
                        r.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /**
     * {@code problem}, found in a run after {@link #readAll} (it names the run's id in the file's stead),
     * placed at the file and line of {@code files} that hold that run; as it is where none does.
     */
    public static InvalidRunException located(List<Path> files, InvalidRunException problem) throws IOException {
        for (Path f : files) {
            try (RunReader r = new RunReader(f, Options.CANDIDATES, null)) {
                while (r.hasNext()) {
                    if (r.next().id().equals(problem.file())) {
                        return problem.locatedAt(f.toString(), r.lastLine());
                    }
                }
            }
        }
        return problem;
    }

    /** Reads every run of every file strictly; ids must be unique across all the files. */
    public static List<Run> readAll(List<Path> files) throws IOException {
        List<Run> runs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Path f : files) {
            try (RunReader r = new RunReader(f, Options.STRICT, ids)) {
                r.forEachRemaining(runs::add);
            }
        }
        return runs;
    }

    public Path file() {
        return file;
    }

    /** The error for a file with bytes that are not UTF-8, at the line of the first of them. */
    static UnreadableFileException notUtf8(Path file) {
        long line;
        try {
            line = dev.ncpl.util.TextFiles.firstNonUtf8Line(file);
        } catch (IOException e) {
            line = 0;
        }
        return new UnreadableFileException(file.toString(), line,
                "not UTF-8 text (a byte on this line is not UTF-8): save the file as UTF-8");
    }

    /** The line of the run {@link #next()} returned last (0 before the first). */
    public long lastLine() {
        return lastLine;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    next = parse(line);
                    nextLine = lineNo;
                    return true;
                }
            }
            return false;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notUtf8(file);
        } catch (IOException e) {
            throw new UncheckedIOException(name + ":" + (lineNo + 1) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Run next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Run r = next;
        next = null;
        lastLine = nextLine;
        return r;
    }

    private InvalidRunException error(String field, String problem) {
        return new InvalidRunException(name, lineNo, field, problem);
    }

    private Run parse(String line) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw error(null, "malformed JSON: " + e.getOriginalMessage());
        }
        Run run = new RunParser(name, lineNo, options).parse(root, file.getFileName() + "#" + lineNo, defaultSource);
        if (seenIds != null && !seenIds.add(run.id())) {
            throw error("id", "duplicate id '" + run.id() + "'");
        }
        return run;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
