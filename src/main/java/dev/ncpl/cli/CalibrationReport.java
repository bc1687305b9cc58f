package dev.ncpl.cli;

import dev.ncpl.uncertainty.IntervalFitter.Coverage;
import java.util.Locale;
import java.util.Map;

/** Prints measured interval coverage as a Markdown table. */
final class CalibrationReport {
    private CalibrationReport() {}

    static String table(String title, Map<String, Coverage> coverage, double level) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Coverage of the %.0f%% intervals, %s:%n%n", level * 100, title));
        sb.append("| source | runs | final loss covered | mean width | curve points covered | mean band width |\n");
        sb.append("|---|---:|---:|---:|---:|---:|\n");
        coverage.forEach((source, c) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f%% | %.4f | %.1f%% | %.4f |%n",
                source.equals("*") ? "all" : source, c.runs(), 100 * c.finalCoverage(), c.finalWidth(),
                100 * c.curveCoverage(), c.curveWidth())));
        return sb.toString();
    }

    /** The widening for sources never seen, with the errors it was measured from. */
    static String unseenSources(dev.ncpl.uncertainty.PredictionIntervals.UnseenSources u, double level) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Sources the model never saw: the %.0f%% "
                + "interval is widened by %.3f on each side, from the pooled law's errors on each training source "
                + "left out of it (median error:", level * 100, u.margin(level)));
        u.medianErrors().forEach((s, e) -> sb.append(String.format(Locale.ROOT, " %s %+.3f", s, e)));
        return sb.append(").\n").toString();
    }
}
