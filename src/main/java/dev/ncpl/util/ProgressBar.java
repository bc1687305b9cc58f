package dev.ncpl.util;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A terminal progress bar with rate and ETA, drawn on standard error so that it never mixes with
 * data written to standard output. Redraws at most a few times a second; on a non-interactive
 * stream (CI logs) it prints a plain line at every 10% and at least every 30 seconds instead of
 * carriage returns.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 28;
    private final String task;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;
    private int lastDecile = -1;
    private String extra = "";

    public ProgressBar(String task, long total) {
        this(task, total, System.err, System.console() != null);
    }

    ProgressBar(String task, long total, PrintStream out, boolean interactive) {
        this.task = task;
        this.total = Math.max(total, 1);
        this.out = out;
        this.interactive = interactive;
    }

    /** Advances by {@code n} units. */
    public void step(long n) {
        done += n;
        draw(false);
    }

    /** Sets a short status shown after the bar (for example the current training loss). */
    public void status(String text) {
        this.extra = text;
        draw(false);
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        double frac = Math.min(1.0, (double) done / total);
        if (!interactive) {
            int decile = (int) Math.floor(frac * 10);
            if (decile == lastDecile && !force && now - lastDrawNanos < 30_000_000_000L) {
                return;
            }
            lastDecile = decile;
            lastDrawNanos = now;
            out.println(line(frac, now));
            return;
        }
        if (!force && now - lastDrawNanos < 200_000_000L && done < total) {
            return;
        }
        lastDrawNanos = now;
        out.print("\r" + line(frac, now));
        out.flush();
    }

    private String line(double frac, long now) {
        double elapsed = (now - startNanos) / 1e9;
        double eta = done > 0 ? elapsed * (total - done) / done : Double.NaN;
        int filled = (int) Math.round(frac * WIDTH);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        return String.format(Locale.ROOT, "%s [%s] %3.0f%% %d/%d %s ETA %s %s", task, bar, frac * 100, done,
                total, formatTime(elapsed), formatTime(eta), extra);
    }

    static String formatTime(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "--:--";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    @Override
    public void close() {
        draw(true);
        if (interactive) {
            out.println();
        }
    }
}
