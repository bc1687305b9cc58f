package dev.ncpl.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.util.Json;
import dev.ncpl.util.OutputTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The folders a training writes: the model folder at {@code --out}, replaced only when it is absent, empty
 * or a model folder ncpl wrote (its {@code model.json} carries an {@code ncpl-model/} format tag), and the
 * staging folder beside it where the model is built and checkpointed, reused or removed only when it carries
 * ncpl's staging marker. A symbolic link at {@code --out} is written through. Nothing else is ever deleted.
 */
public final class ModelFolder {
    /** The file that marks a staging folder as ncpl's. */
    static final String STAGING_MARKER = ".ncpl-staging";
    private static final String FORMAT_FAMILY = "ncpl-model/";

    private ModelFolder() {}

    /**
     * Where a model given as {@code out} will be published, after checking that publishing may replace what is
     * there.
     *
     * @throws IOException naming {@code out} when it is a file, a device, or a folder that is neither empty nor a
     *     model folder of ncpl's
     */
    public static Path checkReplaceable(Path out) throws IOException {
        Path target = OutputTarget.followLinks(out);
        if (!Files.exists(target)) {
            if (Files.exists(target.getParent()) && !Files.isDirectory(target.getParent())) {
                throw new IOException(out + ": cannot be written: " + target.getParent() + " is a file, not a folder");
            }
            return target;
        }
        if (!Files.isDirectory(target)) {
            throw new IOException(out + ": exists and is not a folder; a model is a folder: give a new path");
        }
        if (!isEmpty(target) && !isModel(target)) {
            throw new IOException(out + ": exists and is not an ncpl model folder (no " + NcplModel.MANIFEST
                    + " of ncpl's): refusing to replace it; give a new path, or move it away");
        }
        return target;
    }

    /** Whether {@code dir} holds a {@code model.json} of ncpl's (whatever its version). */
    public static boolean isModel(Path dir) {
        Path manifest = dir.resolve(NcplModel.MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            JsonNode format = Json.MAPPER.readTree(manifest.toFile()).path("format");
            return format.isTextual() && format.asText().startsWith(FORMAT_FAMILY);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The file of ensemble member {@code name} (from model.json's {@code members}) in {@code dir}: a plain file name
     * in the folder, never a path that leads out of it.
     */
    public static Path memberFile(Path dir, String name) throws IOException {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".")
                || name.equals("..")) {
            throw new IOException(dir.resolve(NcplModel.MANIFEST) + ": field 'members': '" + name
                    + "' is not a file name in the model folder");
        }
        return dir.resolve(name);
    }

    /** The staging folder of the model published at {@code target} (a path from {@link #checkReplaceable}). */
    public static Path stagingOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".staging");
    }

    /**
     * Opens the staging folder for a training: kept when {@code resume} (it is ncpl's and holds the same
     * training), otherwise emptied and made afresh.
     *
     * @throws IOException when something that is not ncpl's staging folder stands at its path
     */
    public static void prepareStaging(Path staging, boolean resume) throws IOException {
        if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS) && !isStaging(staging)) {
            throw new IOException(staging + ": exists and is not a staging folder of ncpl's (no " + STAGING_MARKER
                    + "): refusing to use it; move it away");
        }
        if (resume) {
            return;
        }
        deleteTree(staging);
        Files.createDirectories(staging);
        Files.writeString(staging.resolve(STAGING_MARKER), "an ncpl training in progress; it resumes from here\n");
    }

    /** Whether {@code dir} is a staging folder an ncpl training made. */
    public static boolean isStaging(Path dir) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                && Files.isRegularFile(dir.resolve(STAGING_MARKER), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Replaces {@code target} (a path from {@link #checkReplaceable}, checked again here) with the finished
     * model in {@code staging} by renames, so that a reader sees the old model or the new one, never a mixture;
     * the replaced model is deleted afterwards.
     */
    public static void publish(Path staging, Path target) throws IOException {
        checkReplaceable(target);
        Files.deleteIfExists(staging.resolve(STAGING_MARKER));
        if (!Files.exists(target)) {
            Files.move(staging, target);
            return;
        }
        if (isEmpty(target)) {
            Files.delete(target);
            Files.move(staging, target);
            return;
        }
        Path backup = target.resolveSibling("." + target.getFileName() + ".replaced-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        Files.move(target, backup);
        Files.move(staging, target);
        deleteTree(backup);
    }

    /** Removes a staging folder of ncpl's (one that {@link #isStaging} accepts; anything else is left alone). */
    public static void discardStaging(Path staging) throws IOException {
        if (isStaging(staging)) {
            deleteTree(staging);
        }
    }

    /** Deletes a folder and everything in it (nothing when it is absent); links are removed, never followed. */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
