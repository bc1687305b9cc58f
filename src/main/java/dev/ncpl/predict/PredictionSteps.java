package dev.ncpl.predict;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;

/** Where a run's curve is predicted: at its own curve's steps, or evenly over its schedule. */
public final class PredictionSteps {
    /** Points of a curve predicted for a bare config. */
    public static final int DEFAULT_POINTS = 16;

    private PredictionSteps() {}

    /** The input curve's steps when it has one, otherwise {@link #DEFAULT_POINTS} even steps. */
    public static double[] of(Run run) {
        if (run.hasCurve()) {
            return run.curve().steps();
        }
        return even(run, DEFAULT_POINTS);
    }

    /**
     * The steps of a run in progress: its observed curve's steps, then those of the {@link #DEFAULT_POINTS}
     * even steps of the whole schedule that come after the last observed one.
     */
    public static double[] continuing(Run run) {
        if (!run.hasCurve()) {
            return even(run, DEFAULT_POINTS);
        }
        double last = run.curve().lastStep();
        double[] later = java.util.Arrays.stream(even(run, DEFAULT_POINTS)).filter(s -> s > last).toArray();
        double[] out = java.util.Arrays.copyOf(run.curve().steps(), run.curve().size() + later.length);
        System.arraycopy(later, 0, out, run.curve().size(), later.length);
        return out;
    }

    /** {@code points} evenly spaced steps ending at the last step of the schedule. */
    public static double[] even(Run run, int points) {
        double total = Scale.totalSteps(run).orElseThrow(() -> new IllegalArgumentException(run.id()
                + ": cannot place curve points: no schedule.total_steps and no token budget with batch size"));
        double[] steps = new double[points];
        for (int i = 0; i < points; i++) {
            steps[i] = Math.max(1, Math.round(total * (i + 1) / points) - (i == points - 1 ? 1 : 0));
        }
        return steps;
    }
}
