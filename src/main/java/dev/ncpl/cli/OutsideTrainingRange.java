package dev.ncpl.cli;

import dev.ncpl.uncertainty.PredictionIntervals;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Counts, over a batch of predictions, the config fields that lay outside what the model was trained on
 * (see {@code NumericScaler#outsideTrainingRange}) and the configs whose model size or token budget lay
 * beyond their own source's training runs (see {@code PredictionIntervals#beyondSourceRange}), and says so
 * once at the end: a prediction for such a config rests on the nearest configs the network saw, or on what it
 * learnt of other sources, and a user tuning past the data should know.
 */
final class OutsideTrainingRange {
    /** Fields named in the closing note, most frequent first. */
    static final int NAMED = 8;

    private final Map<String, Long> counts = new TreeMap<>();
    private long configs;
    private long beyondSource;

    /** Counts one config's unfamiliar fields; returns them. */
    List<String> record(List<String> fields) {
        if (!fields.isEmpty()) {
            configs++;
            fields.forEach(f -> counts.merge(f, 1L, Long::sum));
        }
        return fields;
    }

    /**
     * Counts one config's scale beyond its source's training runs ({@code derived.params}, {@code
     * derived.tokens}); returns it.
     */
    List<String> recordBeyondSource(List<String> scale) {
        if (!scale.isEmpty()) {
            beyondSource++;
        }
        return scale;
    }

    /** Writes the closing notes to {@code err} when any of {@code total} configs had unfamiliar fields or scale. */
    void report(long total, PrintStream err) {
        if (beyondSource > 0) {
            err.printf(Locale.ROOT, "note: %d of %d configs lie beyond the model sizes or token budgets of their own "
                    + "source's training runs (JSONL output: \"beyond_source_range\"). There the Chinchilla law carries "
                    + "size and tokens, the residual trees (or a source's Gaussian process) answer from the source's own "
                    + "runs, and the network from what it learnt of other sources at that size, which drifts, so its "
                    + "share fades with the distance (README, \"How it works\"); intervals "
                    + "widen with the distance.%n",
                    beyondSource, total);
        }
        if (configs == 0) {
            return;
        }
        String named = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(NAMED).map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
        err.printf(Locale.ROOT, "note: %d of %d configs have fields outside the range the model was trained on, or "
                + "that it never saw (JSONL output lists them per prediction, \"outside_training_range\"): %s%s. The network reads "
                + "a number beyond its range as the nearest one it saw, and a word it never saw (a new activation, norm or "
                + "architecture) as unknown, so the prediction does not follow it further.%n",
                configs, total, named, counts.size() > NAMED ? " and more" : "");
    }
}
