package dev.ncpl.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.text.ScheduleDialects;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a config to predict must give, by source: of the keys a sweep may leave out (the peak learning rate, the
 * optimizer's name, the schedule), those that every training run of its source gave. Training reads whatever a run
 * has, so a sweep that did not publish its learning rate can be learnt from; a candidate is still never predicted
 * from less than its source's runs showed the network. A source the model never saw needs what every training run
 * gave.
 *
 * @param sources per source, the keys every one of its training runs gave
 * @param otherSources the keys a config of a source not in {@code sources} needs
 */
public record RequiredKeys(@JsonProperty("sources") Map<String, List<String>> sources,
                           @JsonProperty("other_sources") List<String> otherSources) {
    /** The peak learning rate. */
    public static final String LR = "optimizer.lr";
    /** The optimizer's name. */
    public static final String OPTIMIZER = "optimizer.name";
    /** The schedule's kind, under any trainer's name ({@link ScheduleDialects}). */
    public static final String SCHEDULE = "schedule.lr_schedule";
    /** The keys checked, in the order errors name them. */
    public static final List<String> CHECKED = List.of(LR, OPTIMIZER, SCHEDULE);
    /**
     * What a model saved before these were recorded asks of every config: the peak learning rate and a named
     * schedule (all of its training runs gave both).
     */
    public static final RequiredKeys BEFORE_RECORDED = new RequiredKeys(Map.of(), List.of(LR, SCHEDULE));

    public RequiredKeys {
        sources = sources == null ? Map.of() : Map.copyOf(new TreeMap<>(sources));
        otherSources = otherSources == null ? List.of() : List.copyOf(otherSources);
    }

    /** The keys every run of each source in {@code runs} gave, merged over {@code parent}'s (null: none). */
    public static RequiredKeys of(Collection<Run> runs, RequiredKeys parent) {
        Map<String, Set<String>> bySource = new TreeMap<>();
        Set<String> everywhere = new LinkedHashSet<>(CHECKED);
        for (Run run : runs) {
            Set<String> given = given(run);
            bySource.computeIfAbsent(run.source(), s -> new LinkedHashSet<>(CHECKED)).retainAll(given);
            everywhere.retainAll(given);
        }
        Map<String, List<String>> sources = new TreeMap<>();
        if (parent != null) {
            sources.putAll(parent.sources());
            everywhere.retainAll(parent.otherSources());
        }
        // a fine-tuning's runs of a source its parent knew stand beside the parent's: the source needs what both gave
        bySource.forEach((source, keys) -> sources.merge(source, List.copyOf(keys),
                (before, now) -> before.stream().filter(now::contains).toList()));
        return new RequiredKeys(sources, List.copyOf(everywhere));
    }

    /** The checked keys that {@code run} gives. */
    static Set<String> given(Run run) {
        Set<String> given = new LinkedHashSet<>();
        if (run.number(LR).isPresent()) {
            given.add(LR);
        }
        if (run.text(OPTIMIZER).isPresent()) {
            given.add(OPTIMIZER);
        }
        if (ScheduleDialects.namesSchedule(run)) {
            given.add(SCHEDULE);
        }
        return given;
    }

    /** The keys a config of {@code source} must give. */
    public List<String> of(String source) {
        List<String> keys = sources.get(source);
        return keys != null ? keys : otherSources;
    }

    /**
     * Throws, naming the first missing field, when {@code run} lacks a key its source's training runs all gave.
     *
     * @throws InvalidRunException for the first required key the run does not give
     */
    public void check(Run run) {
        Set<String> given = given(run);
        List<String> missing = new ArrayList<>(of(run.source()));
        missing.removeAll(given);
        if (missing.isEmpty()) {
            return;
        }
        String key = missing.get(0);
        String why = sources.containsKey(run.source())
                ? "every training run of source '" + run.source() + "' gave it, so the model cannot predict this "
                        + "config without it"
                : "every run the model was trained on gave it, so the model cannot predict a config without it";
        String what = key.equals(SCHEDULE) ? "missing (no schedule named: schedule.lr_schedule or a trainer's own "
                + "key): " : "missing: ";
        throw new InvalidRunException(run.id(), 0, key, what + why);
    }
}
