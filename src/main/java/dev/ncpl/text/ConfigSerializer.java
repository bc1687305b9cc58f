package dev.ncpl.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.runs.OptimizerFamily;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a run's config into canonical "key: value" text. Lines come in a fixed order (source and
 * metric, then the sections model, optimizer, data, schedule, then any other section, keys sorted
 * within a section, then derived quantities), so the same config always gives the same text, and a
 * key never seen before is kept as a line of its own rather than breaking anything.
 *
 * <p>Derived lines ({@code derived.*}) add quantities the raw keys hide: N and D (derived when
 * absent), tokens per parameter, compute 6·N·D, steps, warmup fraction, mean and final learning
 * rate relative to the peak, and lr·√batch; a recipe may ask for more ({@link DerivedExtra}), which its
 * model then always reads.
 */
public final class ConfigSerializer {
    /** The numeric placeholder token. */
    public static final String NUM = "<num>";
    private static final List<String> SECTION_ORDER = List.of("model", "optimizer", "data", "schedule");

    private ConfigSerializer() {}

    public static SerializedConfig serialize(Run run) {
        return serialize(run, null, Set.of());
    }

    /**
     * {@link #serialize(Run)} with the run's schedule already worked out ({@code schedule}, or null to
     * work it out here): prediction needs it anyway, and building it is a sizeable part of preparing a config;
     * {@code extras} adds the derived lines a model was trained with ({@link DerivedExtra}).
     */
    public static SerializedConfig serialize(Run run, LrSchedule schedule, Set<DerivedExtra> extras) {
        List<String> lines = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        lines.add("source: " + word(run.source()));
        lines.add("metric: " + word(run.metric().isEmpty() ? "unknown" : run.metric()));
        Map<String, JsonNode> flat = new TreeMap<>((a, b) -> {
            int sa = sectionRank(a);
            int sb = sectionRank(b);
            return sa != sb ? Integer.compare(sa, sb) : a.compareTo(b);
        });
        ConfigFlattener.flatten("", run.config(), flat);
        for (Map.Entry<String, JsonNode> e : flat.entrySet()) {
            JsonNode v = e.getValue();
            if (v.isNumber()) {
                addNumber(lines, keys, values, e.getKey(), v.asDouble());
            } else if (v.isBoolean()) {
                lines.add(e.getKey() + ": " + v.asBoolean());
            } else if (!v.isNull()) {
                lines.add(e.getKey() + ": " + word(v.asText()));
            }
        }
        derived(run, schedule, extras, lines, keys, values);
        return new SerializedConfig(List.copyOf(lines), List.copyOf(keys),
                values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void derived(Run run, LrSchedule schedule, Set<DerivedExtra> extras, List<String> lines,
                                List<String> keys, List<Double> values) {
        Optional<Double> params = Scale.params(run);
        Optional<Double> tokens = Scale.tokens(run);
        params.ifPresent(n -> addNumber(lines, keys, values, "derived.params", n));
        tokens.ifPresent(d -> addNumber(lines, keys, values, "derived.tokens", d));
        if (params.isPresent() && tokens.isPresent()) {
            double n = params.get();
            double d = tokens.get();
            addNumber(lines, keys, values, "derived.tokens_per_param", d / n);
            addNumber(lines, keys, values, "derived.compute", 6 * n * d);
        }
        Scale.totalSteps(run).ifPresent(s -> addNumber(lines, keys, values, "derived.steps", s));
        Scale.batchTokens(run).ifPresent(bt -> run.number("optimizer.lr").ifPresent(lr ->
                addNumber(lines, keys, values, "derived.lr_sqrt_batch", lr * Math.sqrt(bt))));
        extras(run, extras, params, tokens, lines, keys, values);
        try {
            LrSchedule s = schedule != null ? schedule : LrSchedule.of(run);
            if (!s.known()) {
                return; // a run that names no schedule says nothing of it, and nothing is assumed
            }
            addNumber(lines, keys, values, "derived.warmup_fraction", s.warmup() / s.total());
            addNumber(lines, keys, values, "derived.mean_lr_ratio", s.meanRelativeLr());
            addNumber(lines, keys, values, "derived.final_lr_ratio", s.relativeLr(s.total()));
            if (s.kind().equals("wsd")) {
                // only where it varies: cosine and linear schedules decay from the end of warmup
                addNumber(lines, keys, values, "derived.decay_fraction", s.decayFraction());
            }
        } catch (RuntimeException e) {
            // a config without a usable schedule simply has no schedule-derived lines
        }
    }

    private static void extras(Run run, Set<DerivedExtra> extras, Optional<Double> params, Optional<Double> tokens,
                               List<String> lines, List<String> keys, List<Double> values) {
        if (extras.contains(DerivedExtra.LR_WEIGHT_DECAY)) {
            double lrWd = run.lrTimesWeightDecay();
            if (lrWd > 0) {
                addNumber(lines, keys, values, "derived.lr_weight_decay", lrWd);
                if (params.isPresent() && tokens.isPresent()) {
                    addNumber(lines, keys, values, "derived.lr_weight_decay_tokens_per_param",
                            lrWd * tokens.get() / params.get());
                }
            }
        }
        if (extras.contains(DerivedExtra.OPTIMIZER_FAMILY)) {
            run.text("optimizer.name").ifPresent(o -> lines.add("derived.optimizer_family: "
                    + (OptimizerFamily.matrixBased(o) ? "matrix" : "per_coordinate")));
        }
    }

    private static void addNumber(List<String> lines, List<String> keys, List<Double> values, String key, double v) {
        if (Double.isFinite(v)) {
            lines.add(key + ": " + NUM);
            keys.add(key);
            values.add(v);
        }
    }

    private static int sectionRank(String key) {
        String section = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        int i = SECTION_ORDER.indexOf(section);
        return i >= 0 ? i : SECTION_ORDER.size();
    }

    /** A categorical value as one whitespace-free, lower-case token that can never be the placeholder. */
    static String word(String s) {
        String w = s.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", "_");
        return w.isEmpty() ? "empty" : w.replace(NUM, "num");
    }
}
