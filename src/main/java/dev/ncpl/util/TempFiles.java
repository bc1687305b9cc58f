package dev.ncpl.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The temporary files that outputs are written to before they are renamed into place. Each is named
 * {@code .<target>.<pid>.<random>.tmp} beside its target, so that what a killed process left behind can be
 * told from what a running one is writing: creating a temporary file removes those of the same target whose
 * process has ended. Those of this process are removed at exit when the JVM is stopped by a signal it can
 * catch (Ctrl-C, {@code kill}).
 */
public final class TempFiles {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern NAME = Pattern.compile("\\.(.+)\\.(\\d+)\\.[^.]+\\.tmp");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // exiting: nothing more to do
            }
        }), "ncpl-temp-cleanup"));
    }

    private TempFiles() {}

    /** A new temporary file beside {@code target} in {@code dir}, readable by all like any other output file. */
    static Path create(Path dir, Path target) throws IOException {
        String name = target.getFileName().toString();
        removeStale(dir, name);
        Path tmp = Files.createTempFile(dir, "." + name + "." + ProcessHandle.current().pid() + ".", ".tmp");
        LIVE.add(tmp);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default permissions
        }
        return tmp;
    }

    /** Forgets {@code tmp} after it was renamed into place or deleted. */
    static void done(Path tmp) {
        LIVE.remove(tmp);
    }

    /** Deletes {@code tmp} (absent is fine) and forgets it. */
    static void delete(Path tmp) throws IOException {
        try {
            Files.deleteIfExists(tmp);
        } finally {
            LIVE.remove(tmp);
        }
    }

    /** Removes the temporary files of {@code name} in {@code dir} whose writing process no longer runs. */
    static void removeStale(Path dir, String name) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(name) && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && !running(Long.parseLong(m.group(2)))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // best effort: a leftover that cannot be removed does no harm to the new output
        }
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
