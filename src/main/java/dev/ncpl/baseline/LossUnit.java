package dev.ncpl.baseline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.runs.Run;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a source's loss values are measured in: the metric its runs log, and where they give them, the tokenizer,
 * vocabulary size and training data. A new source's losses are read on a known source's scale only when the metric
 * is the same and every other field the known source gives is the same ({@link #readableAs}): a loss per token
 * depends on the tokenizer, and its level and response on the data. Each field is the value most of the source's
 * runs give (ties: the first in name order), or null where none gives one.
 *
 * @param metric the metric logged (never blank)
 * @param tokenizer {@code data.tokenizer}
 * @param vocabSize {@code model.vocab_size}, as text
 * @param dataset {@code data.dataset}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LossUnit(@JsonProperty("metric") String metric, @JsonProperty("tokenizer") String tokenizer,
                       @JsonProperty("vocab_size") String vocabSize, @JsonProperty("dataset") String dataset) {
    public LossUnit {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("a loss unit needs a metric");
        }
    }

    /** The unit of {@code runs} (one source's), or null where none of them names its metric. */
    public static LossUnit of(Collection<Run> runs) {
        String metric = mostCommon(runs, Run::metric);
        if (metric == null) {
            return null;
        }
        return new LossUnit(metric, mostCommon(runs, r -> r.text("data.tokenizer").orElse(null)),
                mostCommon(runs, r -> r.number("model.vocab_size").map(v -> Long.toString(Math.round(v))).orElse(null)),
                mostCommon(runs, r -> r.text("data.dataset").orElse(null)));
    }

    /**
     * Whether losses in this unit can be read on {@code known}'s scale: the same metric, and every field {@code known}
     * gives given alike here. A field only this unit gives does not part them (the known source did not say); one
     * that only {@code known} gives does, since nothing shows this source shares it: reading a source on another's
     * scale is worth much where it holds and costs where it does not (eval/new-source-sister).
     */
    public boolean readableAs(LossUnit known) {
        return known != null && metric.equals(known.metric) && given(tokenizer, known.tokenizer)
                && given(vocabSize, known.vocabSize) && given(dataset, known.dataset);
    }

    /** Whether this unit's {@code mine} gives {@code theirs}: alike, or the known unit gives none. */
    private static boolean given(String mine, String theirs) {
        return theirs == null || theirs.equals(mine);
    }

    private static String mostCommon(Collection<Run> runs, Function<Run, String> field) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Run r : runs) {
            String v = field.apply(r);
            if (v != null && !v.isBlank()) {
                counts.merge(v, 1, Integer::sum);
            }
        }
        return counts.entrySet().stream()
                .max(Map.Entry.<String, Integer>comparingByValue()
                        .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .map(Map.Entry::getKey).orElse(null);
    }
}
