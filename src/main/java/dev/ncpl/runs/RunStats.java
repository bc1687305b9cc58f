package dev.ncpl.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of runs by source, split, model size and token budget, accumulated one run at a time so
 * that arbitrarily large files can be summarised in constant memory.
 */
public final class RunStats {
    private long total;
    private long curvePoints;
    private final Map<String, Long> bySource = new TreeMap<>();
    private final Map<String, Long> bySplit = new TreeMap<>();
    private final Map<String, Map<Double, Long>> byParams = new TreeMap<>();
    private final Map<String, Map<Double, Long>> byTokens = new TreeMap<>();
    private final Map<String, Long> unresolved = new TreeMap<>();
    private final Map<String, Long> stopEarly = new TreeMap<>();
    private final List<String> stopEarlyExamples = new ArrayList<>();
    /** Ids listed of the runs whose curves stop early. */
    private static final int EXAMPLES = 5;

    /** Adds one run to the counts. */
    public void add(Run run) {
        total++;
        curvePoints += run.curve().size();
        bySource.merge(run.source(), 1L, Long::sum);
        bySplit.merge(sourceAndSplit(run), 1L, Long::sum);
        Scale.params(run).ifPresentOrElse(
                n -> byParams.computeIfAbsent(run.source(), k -> new TreeMap<>()).merge(n, 1L, Long::sum),
                () -> unresolved.merge(run.source() + " (no N)", 1L, Long::sum));
        Scale.tokens(run).ifPresentOrElse(
                d -> byTokens.computeIfAbsent(run.source(), k -> new TreeMap<>()).merge(roundTokens(d), 1L, Long::sum),
                () -> unresolved.merge(run.source() + " (no D)", 1L, Long::sum));
        if (run.stopsEarly()) {
            stopEarly.merge(sourceAndSplit(run), 1L, Long::sum);
            if (stopEarlyExamples.size() < EXAMPLES) {
                stopEarlyExamples.add(String.format(Locale.ROOT, "%s (last step %.0f of %.0f)", run.id(),
                        run.curve().lastStep(), run.number("schedule.total_steps").orElseThrow()));
            }
        }
    }

    private static String sourceAndSplit(Run run) {
        return run.source() + " / " + (run.split().isEmpty() ? "-" : run.split());
    }

    /** Token budgets are bucketed to two significant digits so the table stays readable. */
    private static double roundTokens(double d) {
        double mag = Math.pow(10, Math.floor(Math.log10(d)) - 1);
        return Math.round(d / mag) * mag;
    }

    public long total() {
        return total;
    }

    public Map<String, Long> bySource() {
        return bySource;
    }

    public Map<String, Long> bySplit() {
        return bySplit;
    }

    public Map<String, Map<Double, Long>> byParams() {
        return byParams;
    }

    /** A human-readable summary table. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "runs: %d   curve points: %d%n", total, curvePoints));
        section(sb, "by source", bySource);
        section(sb, "by source / split", bySplit);
        sb.append("\nby model size (non-embedding params)\n");
        byParams.forEach((src, m) -> m.forEach((n, c) -> sb.append(String.format(Locale.ROOT,
                "  %-10s %10s  %6d%n", src, human(n), c))));
        sb.append("\nby token budget\n");
        byTokens.forEach((src, m) -> m.forEach((d, c) -> sb.append(String.format(Locale.ROOT,
                "  %-10s %10s  %6d%n", src, human(d), c))));
        if (!unresolved.isEmpty()) {
            section(sb, "not resolvable", unresolved);
        }
        if (!stopEarly.isEmpty()) {
            section(sb, "curves that stop early (more than two logging intervals and 5% of the schedule before its end;"
                    + " their last loss is read as the final loss)", stopEarly);
            stopEarlyExamples.forEach(id -> sb.append("  e.g. ").append(id).append('\n'));
        }
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, Map<String, Long> m) {
        sb.append('\n').append(title).append('\n');
        m.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-28s %6d%n", k, v)));
    }

    /** 1.34e8 → "134M", 1.07e10 → "10.7B". */
    public static String human(double x) {
        String[] units = {"", "K", "M", "B", "T"};
        int u = 0;
        while (Math.abs(x) >= 1000 && u < units.length - 1) {
            x /= 1000;
            u++;
        }
        return (x >= 100 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.3g", x)) + units[u];
    }
}
