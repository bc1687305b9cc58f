package dev.ncpl.bundle;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The files of a model folder, each with the format version this build writes. The one place their names live:
 * every class that saves or loads a part of a model asks here ({@link ModelFiles} reads and writes the JSON ones).
 * The three parts that hold trees and Gaussian processes are written gzip-compressed ({@code .json.gz}: their full
 * precision doubles are most of a model folder, and compress to about a third), and read under their earlier plain
 * name in a folder written before.
 */
public enum ModelFile {
    /** Network shape, scaler, targets, provenance and settings; its own {@code format} tag is checked on load. */
    MANIFEST("model.json", 1),
    /** The HuggingFace tokenizer of the config text (HuggingFace's format). */
    TOKENIZER("tokenizer.json", 1),
    /** The Chinchilla law of each source and the pooled law. */
    BASELINE("baseline.json", 1),
    /** The runs-in-progress conditioner; version 2 keeps its clamp margin and earliest cut. */
    PREFIX("prefix.json.gz", "prefix.json", 2),
    /** The curve shape (a from-the-end conditioner and curve processes). */
    SHAPE("shape.json.gz", "shape.json", 2),
    /** The residual models of the final loss; version 2 keeps every blend weight. */
    RESIDUALS("final-trees.json.gz", "final-trees.json", 2),
    /** The prediction intervals; version 2 keeps each source's curve bins and expert-density range. */
    INTERVALS("intervals.json", 2),
    /** The intervals of runs in progress, per share of training seen. */
    CONDITIONED_INTERVALS("conditioned-intervals.json", 2),
    /** Per-source corrections of the parent's predictions, in a model adapted to new sources without training. */
    CORRECTIONS("source-corrections.json", 1),
    /** The model card. */
    CARD("README.md", 1);

    private final String fileName;
    private final String legacyName;
    private final int format;

    ModelFile(String fileName, int format) {
        this(fileName, null, format);
    }

    ModelFile(String fileName, String legacyName, int format) {
        this.fileName = fileName;
        this.legacyName = legacyName;
        this.format = format;
    }

    /** The name this build writes the file under in a model folder. */
    public String fileName() {
        return fileName;
    }

    /** The plain-JSON name a folder written before compression keeps the part under, or null when it never changed. */
    public String legacyName() {
        return legacyName;
    }

    /** The format version this build writes (and the newest it reads). */
    public int format() {
        return format;
    }

    /**
     * The file in model folder {@code dir} to read: under {@link #fileName()}, or under {@link #legacyName()} where
     * only that one exists (a folder written before the part was compressed).
     */
    public Path in(Path dir) {
        Path current = dir.resolve(fileName);
        if (legacyName != null && !Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
            Path legacy = dir.resolve(legacyName);
            if (Files.exists(legacy, LinkOption.NOFOLLOW_LINKS)) {
                return legacy;
            }
        }
        return current;
    }

    /** The file in model folder {@code dir} that this build writes. */
    public Path target(Path dir) {
        return dir.resolve(fileName);
    }

    /** The parameter file of ensemble member {@code m}. */
    public static String member(int m) {
        return "member-" + m + ".params";
    }
}
