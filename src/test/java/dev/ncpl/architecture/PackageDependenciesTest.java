package dev.ncpl.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies between ncpl's packages point one way, as each package-info.java says: general learners and
 * maths know nothing of runs, the per-source models nothing of the blend that uses them, the blend nothing of
 * the intervals, ranking or commands above it. Read from the sources' imports and qualified names (comments
 * left out), so a new dependency against the grain fails here with the file that made it.
 */
class PackageDependenciesTest {
    /** What each package may use, besides itself (the order is bottom-up). */
    static final Map<String, Set<String>> ALLOWED = new TreeMap<>(Map.ofEntries(
            Map.entry("util", Set.of()),
            Map.entry("math", Set.of()),
            Map.entry("settings", Set.of("util")),
            Map.entry("bundle", Set.of("settings", "util")),
            Map.entry("runs", Set.of("util")),
            Map.entry("text", Set.of("runs", "util")),
            Map.entry("baseline", Set.of("bundle", "math", "runs", "util")),
            Map.entry("learn", Set.of("math")),
            Map.entry("model", Set.of("baseline", "bundle", "runs", "settings", "text", "util")),
            Map.entry("residual", Set.of("baseline", "bundle", "learn", "math", "runs", "settings", "text", "util")),
            Map.entry("curve", Set.of("baseline", "bundle", "learn", "math", "residual", "runs", "settings", "text", "util")),
            Map.entry("predict", Set.of("baseline", "bundle", "curve", "math", "model", "residual", "runs", "settings", "text", "util")),
            Map.entry("uncertainty", Set.of("baseline", "bundle", "curve", "predict", "residual", "runs", "settings", "util")),
            Map.entry("ranking", Set.of("predict", "runs", "uncertainty", "util")),
            Map.entry("tune", Set.of("runs", "util")),
            Map.entry("ingest", Set.of("runs", "text", "util")),
            Map.entry("eval", Set.of("baseline", "curve", "math", "predict", "runs", "uncertainty", "util")),
            Map.entry("train", Set.of("baseline", "bundle", "curve", "eval", "math", "model", "predict", "residual", "runs", "settings", "text", "uncertainty", "util")),
            Map.entry("study", Set.of("baseline", "eval", "learn", "math", "model", "predict", "residual", "runs", "text", "train", "uncertainty", "util")),
            Map.entry("api", Set.of("baseline", "bundle", "curve", "model", "predict", "ranking", "residual", "runs", "settings", "text", "uncertainty", "util")),
            Map.entry("cli", Set.of("api", "baseline", "bundle", "curve", "eval", "ingest", "model", "predict", "ranking", "residual", "runs", "settings", "study", "text", "train", "tune", "uncertainty", "util"))));

    private static final Path MAIN = Path.of("src/main/java/dev/ncpl");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.ncpl\\.(\\w+)\\.[A-Z]");

    @Test
    void everyPackageUsesOnlyWhatItMay() throws IOException {
        List<String> wrong = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                packages.add(pkg);
                String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    String used = m.group(1);
                    if (!used.equals(pkg) && !ALLOWED.getOrDefault(pkg, Set.of()).contains(used)) {
                        wrong.add(MAIN.relativize(f) + " uses " + used);
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(ALLOWED.keySet().stream().filter(packages::contains).toList().size(), packages.size(),
                "every package has its entry: " + packages);
    }

    @Test
    void everyPackageSaysWhatItHoldsAndMayUse() {
        for (String pkg : ALLOWED.keySet()) {
            Path info = MAIN.resolve(pkg).resolve("package-info.java");
            if (Files.isDirectory(MAIN.resolve(pkg))) {
                assertTrue(Files.isRegularFile(info), pkg + " has no package-info.java");
            }
        }
    }

    @Test
    void theAllowedDependenciesHaveNoCycle() {
        for (String start : ALLOWED.keySet()) {
            Set<String> seen = new TreeSet<>();
            List<String> todo = new ArrayList<>(ALLOWED.get(start));
            while (!todo.isEmpty()) {
                String p = todo.remove(todo.size() - 1);
                assertTrue(!p.equals(start), start + " depends on itself through " + seen);
                if (seen.add(p)) {
                    todo.addAll(ALLOWED.getOrDefault(p, Set.of()));
                }
            }
        }
    }
}
