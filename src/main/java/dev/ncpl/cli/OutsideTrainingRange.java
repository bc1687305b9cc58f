package dev.ncpl.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Counts, over a batch of predictions, the config fields that lay outside what the model was trained on
 * (see {@code NumericScaler#outsideTrainingRange}), and says so once at the end: a prediction for such a
 * config rests on the nearest configs the network saw, and a user tuning past the data should know.
 */
final class OutsideTrainingRange {
    /** Fields named in the closing note, most frequent first. */
    static final int NAMED = 8;

    private final Map<String, Long> counts = new TreeMap<>();
    private long configs;

    /** Counts one config's unfamiliar fields; returns them. */
    List<String> record(List<String> fields) {
        if (!fields.isEmpty()) {
            configs++;
            fields.forEach(f -> counts.merge(f, 1L, Long::sum));
        }
        return fields;
    }

    /** Writes the closing note to {@code err} when any of {@code total} configs had unfamiliar fields. */
    void report(long total, PrintStream err) {
        if (configs == 0) {
            return;
        }
        String named = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(NAMED).map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
        err.printf(Locale.ROOT, "note: %d of %d configs have fields outside the range the model was trained on, or "
                + "that it never saw (JSONL output lists them per prediction, \"outside_training_range\"): %s%s. The network reads "
                + "such a value as the nearest one it saw; model size and tokens beyond the training range follow the "
                + "Chinchilla law, and intervals widen with the distance in size, but nothing else is extrapolated.%n",
                configs, total, named, counts.size() > NAMED ? " and more" : "");
    }
}
