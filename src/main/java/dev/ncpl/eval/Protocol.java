package dev.ncpl.eval;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How runs are split into what a predictor learns from and what it is scored on.
 * A run without a split (a team's own logs rarely have one) is a training run.
 * <ul>
 *   <li>{@code in_val}: learn from split {@code train}, score on split {@code in_val} (NCPL's split);</li>
 *   <li>{@code extrapolation}: per source, hold back every run of the largest model size; learn from the
 *       {@code train} runs of the smaller sizes, score on all runs of the largest size.</li>
 * </ul>
 */
public enum Protocol {
    IN_VAL("in_val", "fitted on split train, scored on split in_val"),
    EXTRAPOLATION("extrapolation", "fitted on the train runs of the smaller model sizes of each source, "
            + "scored on every run of the largest size held back");

    private final String id;
    private final String description;

    Protocol(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public static Protocol parse(String s) {
        for (Protocol p : values()) {
            if (p.id.equalsIgnoreCase(s) || p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + s + "' (in_val or extrapolation)");
    }

    /** The runs a predictor may learn from. */
    public List<Run> training(List<Run> runs) {
        Map<String, Double> largest = largestSizes(runs);
        return runs.stream().filter(Protocol::isTraining)
                .filter(r -> this == IN_VAL || params(r) < largest.get(r.source())).toList();
    }

    /** The runs it is scored on. */
    public List<Run> evaluation(List<Run> runs) {
        Map<String, Double> largest = largestSizes(runs);
        return runs.stream().filter(r -> this == IN_VAL ? r.split().equals("in_val")
                : params(r) >= largest.get(r.source())).toList();
    }

    /** Runs a predictor may use for early stopping: in_val, below the held-back size when extrapolating. */
    public List<Run> validation(List<Run> runs) {
        Map<String, Double> largest = largestSizes(runs);
        return runs.stream().filter(r -> r.split().equals("in_val"))
                .filter(r -> this == IN_VAL || params(r) < largest.get(r.source())).toList();
    }

    /** Whether {@code r} is a training run: split {@code train}, or none given. */
    static boolean isTraining(Run r) {
        return r.split().equals("train") || r.split().isEmpty();
    }

    private static double params(Run r) {
        return Scale.params(r).orElse(Double.NaN);
    }

    private static Map<String, Double> largestSizes(List<Run> runs) {
        Map<String, Double> m = new HashMap<>();
        for (Run r : runs) {
            Scale.params(r).ifPresent(n -> m.merge(r.source(), n, Math::max));
        }
        runs.forEach(r -> m.putIfAbsent(r.source(), Double.POSITIVE_INFINITY));
        return m;
    }
}
