package dev.ncpl.util;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * File names made from names found in data (a run's source, an id), which must never leave the folder they
 * are written to nor collide: characters other than letters, digits, {@code .}, {@code _} and {@code -} become
 * {@code _}, a leading dot is escaped, and a name that had to change gets a short hash of the original so that
 * two sources never share a file.
 */
public final class FileNames {
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");
    /** Longest part of a name kept before its hash (file systems allow 255 bytes). */
    private static final int MAX_KEPT = 80;

    private FileNames() {}

    /** {@code name} as one safe file-name component. */
    public static String component(String name) {
        String safe = UNSAFE.matcher(name).replaceAll("_");
        if (safe.startsWith(".")) {
            safe = "_" + safe.substring(1);
        }
        if (safe.length() > MAX_KEPT) {
            safe = safe.substring(0, MAX_KEPT);
        }
        if (safe.equals(name) && !safe.isEmpty()) {
            return safe;
        }
        return safe + "-" + Hashing.sha256(name.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    /**
     * {@code dir} resolved with {@code prefix + component(name) + suffix}, checked to lie directly in {@code dir}.
     */
    public static Path inside(Path dir, String prefix, String name, String suffix) {
        Path file = dir.resolve(prefix + component(name) + suffix);
        if (!file.normalize().getParent().equals(dir.normalize())) {
            throw new IllegalStateException("file name from data leaves its folder: " + file);
        }
        return file;
    }
}
