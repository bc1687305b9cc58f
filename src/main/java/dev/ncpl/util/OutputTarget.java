package dev.ncpl.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where an output path really leads, so that writing it never destroys the node the user named: a symbolic
 * link is written through (its target is replaced, the link stays), a device, pipe or socket ({@code
 * /dev/null}, {@code /dev/stdout}) is streamed into as it is, and only a regular file, or nothing, is replaced
 * by renaming a finished temporary file onto it. A folder, or a path below a regular file, is refused with a
 * message naming it.
 *
 * @param requested the path as the user gave it (for messages)
 * @param path where the output goes: the path after following symbolic links
 * @param special whether {@code path} is a device, pipe or socket, written in place rather than renamed onto
 */
public record OutputTarget(Path requested, Path path, boolean special) {
    /** Links followed before giving up, as the kernel does (ELOOP). */
    private static final int MAX_LINKS = 40;

    /**
     * Resolves {@code requested}: follows its symbolic links (a dangling one leads to the file it names) and
     * checks that the result can be written as a file.
     *
     * @throws IOException naming the path when it is a folder, when a link loops, or when a part of its folder
     *     is a file
     */
    public static OutputTarget of(Path requested) throws IOException {
        Path p = followLinks(requested);
        if (Files.isDirectory(p)) {
            throw new IOException(requested + ": is a folder; give a file name");
        }
        boolean special = Files.exists(p) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
        if (!special) {
            ensureFolder(requested, p.getParent());
        }
        return new OutputTarget(requested, p, special);
    }

    /**
     * The absolute, real path {@code requested} leads to: its symbolic links followed (a dangling link leads to
     * the path it names), {@code .} and {@code ..} resolved where the folder exists.
     */
    public static Path followLinks(Path requested) throws IOException {
        Path p = requested.toAbsolutePath();
        for (int links = 0; Files.isSymbolicLink(p); links++) {
            if (links == MAX_LINKS) {
                throw new IOException(requested + ": too many levels of symbolic links");
            }
            p = p.getParent().resolve(Files.readSymbolicLink(p));
        }
        if (Files.exists(p)) {
            return p.toRealPath();
        }
        Path parent = p.getParent();
        return parent != null && Files.isDirectory(parent) ? parent.toRealPath().resolve(p.getFileName()) : p.normalize();
    }

    /** Creates {@code dir} and its parents, with a message naming the output when a part of it is a file. */
    static void ensureFolder(Path requested, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException | NoSuchFileException e) {
            throw new IOException(requested + ": cannot be written: " + blockingFile(dir) + " is a file, not a folder",
                    e);
        }
    }

    /** The first part of {@code dir} (from the root down) that exists and is not a folder. */
    private static Path blockingFile(Path dir) {
        Path p = dir.getRoot();
        for (Path part : dir) {
            p = p == null ? part : p.resolve(part);
            if (Files.exists(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return dir;
    }

    /** Opens a device, pipe or socket for writing in place (only for {@link #special} targets). */
    OutputStream openInPlace() throws IOException {
        return Files.newOutputStream(path, StandardOpenOption.WRITE);
    }

    /**
     * Refuses an output that is one of the command's inputs: writing it would replace what is being read.
     *
     * @param option the option that named the output, such as {@code --out}
     * @throws IllegalArgumentException naming both paths
     */
    public static void checkNotInput(String option, Path out, Iterable<Path> inputs) throws IOException {
        if (out == null || !Files.exists(out)) {
            return;
        }
        for (Path in : inputs) {
            if (in != null && Files.exists(in) && Files.isSameFile(out, in)) {
                throw new IllegalArgumentException(option + " " + out + " is the input " + in
                        + ": writing it would replace what is read; give another file name");
            }
        }
    }
}
