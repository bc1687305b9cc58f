package dev.ncpl.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The folder an import may read: the folder given (or the folder of the file given), with its real path. A
 * symbolic link inside it that leads outside it is never read, so a log folder cannot make an import copy
 * {@code /etc/os-release} into a config or print a line of {@code /etc/passwd} in an error; a linked folder
 * inside it is walked once, so a link to a parent cannot make a run import many times.
 */
final class ImportScope {
    private final Path root;
    private final Set<Path> visited = new HashSet<>();

    private ImportScope(Path root) {
        this.root = root;
    }

    /** The scope of a path given to import: the folder itself, or the folder holding the file. */
    static ImportScope of(Path given) throws IOException {
        Path real = given.toRealPath();
        return new ImportScope(Files.isDirectory(real) ? real : real.getParent());
    }

    /** Whether {@code p} leads inside the scope (a broken link leads nowhere: it cannot be read either way). */
    boolean inside(Path p) {
        try {
            return p.toRealPath().startsWith(root);
        } catch (IOException e) {
            return true;
        }
    }

    /** Records a folder as walked; false when it (its real path) was walked already. */
    boolean firstVisit(Path dir) {
        try {
            return visited.add(dir.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The first symbolic link that reading the run at {@code p} could follow out of the scope: for a folder, any
     * link below it; for a file, the file itself and the config files a format reads beside it.
     */
    Optional<Path> escapingLink(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                return walk.filter(Files::isSymbolicLink).filter(l -> !inside(l)).findFirst();
            }
        }
        if (Files.isSymbolicLink(p) && !inside(p)) {
            return Optional.of(p);
        }
        Path dir = p.toAbsolutePath().getParent();
        List<String> beside = Stream.concat(SideConfig.NAMES.stream(),
                Stream.of(HuggingFaceFormat.STATE, HuggingFaceFormat.ARGS)).toList();
        return beside.stream().map(dir::resolve).filter(Files::isSymbolicLink).filter(l -> !inside(l)).findFirst();
    }

    /** The message for a link that leads out of the scope. */
    String outside(Path link) {
        String target;
        try {
            target = Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            target = "?";
        }
        return "a symbolic link to " + target + ", outside " + root + ": not read (import the target itself if it "
                + "is a log)";
    }
}
