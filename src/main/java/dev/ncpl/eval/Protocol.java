package dev.ncpl.eval;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How runs are split into what a predictor learns from and what it is scored on.
 * A run without a split (a team's own logs rarely have one) is a training run, except that a source with no
 * {@code in_val} run at all and at least {@value #MIN_SEEDED} runs gets a seeded one: the fifth of its runs whose
 * ids hash lowest ({@link #seededValidation}), the same whatever the order or company of the runs, so training and
 * evaluation agree on it.
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

    /** Share of a source's runs held out when it has no in_val run. */
    public static final double SEEDED_SHARE = 0.2;
    /** Fewest runs of a source for it to get a seeded in_val. */
    public static final int MIN_SEEDED = 10;

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
        return training(runs, true);
    }

    /**
     * The runs a predictor may learn from; {@code seeded}: whether sources without in_val get a seeded one (models
     * saved before it existed did not, and their runs are found again without it).
     */
    public List<Run> training(List<Run> runs, boolean seeded) {
        Map<String, Double> largest = largestSizes(runs);
        Set<String> held = seeded ? seededValidation(runs) : Set.of();
        return runs.stream().filter(r -> isTraining(r) && !held.contains(r.id()))
                .filter(r -> this == IN_VAL || params(r) < largest.get(r.source())).toList();
    }

    /** The runs it is scored on. */
    public List<Run> evaluation(List<Run> runs) {
        return evaluation(runs, true);
    }

    /** The runs it is scored on; {@code seeded} as for {@link #training(List, boolean)}. */
    public List<Run> evaluation(List<Run> runs, boolean seeded) {
        Map<String, Double> largest = largestSizes(runs);
        Set<String> held = seeded && this == IN_VAL ? seededValidation(runs) : Set.of();
        return runs.stream().filter(r -> this == IN_VAL ? isValidation(r, held)
                : params(r) >= largest.get(r.source())).map(r -> held.contains(r.id()) ? asInVal(r) : r).toList();
    }

    /** Runs a predictor may use for early stopping: in_val, below the held-back size when extrapolating. */
    public List<Run> validation(List<Run> runs) {
        return validation(runs, true);
    }

    /** Runs a predictor may use for early stopping; {@code seeded} as for {@link #training(List, boolean)}. */
    public List<Run> validation(List<Run> runs, boolean seeded) {
        Map<String, Double> largest = largestSizes(runs);
        Set<String> held = seeded ? seededValidation(runs) : Set.of();
        return runs.stream().filter(r -> isValidation(r, held))
                .filter(r -> this == IN_VAL || params(r) < largest.get(r.source()))
                .map(r -> held.contains(r.id()) ? asInVal(r) : r).toList();
    }

    /**
     * The ids of the runs held out as in_val for sources that have none: per such source with at least
     * {@value #MIN_SEEDED} runs, the {@link #SEEDED_SHARE} of them whose ids hash lowest.
     */
    public static Set<String> seededValidation(List<Run> runs) {
        Map<String, List<Run>> bySource = new TreeMap<>();
        Set<String> withInVal = new HashSet<>();
        for (Run r : runs) {
            if (r.split().equals("in_val")) {
                withInVal.add(r.source());
            } else if (isTraining(r)) {
                bySource.computeIfAbsent(r.source(), s -> new ArrayList<>()).add(r);
            }
        }
        Set<String> out = new HashSet<>();
        bySource.forEach((source, list) -> {
            if (!withInVal.contains(source) && list.size() >= MIN_SEEDED) {
                List<Run> sorted = new ArrayList<>(list);
                sorted.sort(Comparator.comparingLong((Run r) -> hash(r.id())).thenComparing(Run::id));
                sorted.subList(0, (int) Math.round(SEEDED_SHARE * list.size())).forEach(r -> out.add(r.id()));
            }
        });
        return out;
    }

    /** A 64-bit FNV-1a hash of the id's UTF-8 bytes: stable across machines and Java versions. */
    private static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** {@code r} with split in_val: a run held out as its source's seeded in_val is scored and reported as one. */
    private static Run asInVal(Run r) {
        return new Run(r.id(), r.source(), "in_val", r.metric(), r.config(), r.curve());
    }

    private static boolean isValidation(Run r, Set<String> seeded) {
        return r.split().equals("in_val") || seeded.contains(r.id());
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
