package dev.ncpl.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The physical range of the config values ncpl reads, checked where a config enters (a run or candidate file,
 * a CSV row, an imported log, a tuning space): a learning rate is positive, a layer count a whole number of at
 * least one, a share between 0 and 1, and every number anywhere in a config is finite. A value outside its
 * range, or text where a number belongs, is refused with the key and the range, never predicted.
 */
public final class ConfigLimits {
    /**
     * One key's range.
     *
     * @param min lowest value allowed
     * @param minOpen whether {@code min} itself is excluded
     * @param max highest value allowed
     * @param maxOpen whether {@code max} itself is excluded
     * @param whole whether the value must be a whole number
     */
    public record Range(double min, boolean minOpen, double max, boolean maxOpen, boolean whole) {
        static Range positive() {
            return new Range(0, true, Double.POSITIVE_INFINITY, false, false);
        }

        static Range nonNegative() {
            return new Range(0, false, Double.POSITIVE_INFINITY, false, false);
        }

        static Range count(double min) {
            return new Range(min, false, Double.POSITIVE_INFINITY, false, true);
        }

        static Range share() {
            return new Range(0, false, 1, false, false);
        }

        static Range beta() {
            return new Range(0, false, 1, true, false);
        }

        /** Whether {@code v} lies in the range. */
        public boolean contains(double v) {
            return Double.isFinite(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max)
                    && (!whole || v == Math.rint(v));
        }

        /** The range in words, such as {@code a whole number >= 1} or {@code in [0, 1)}. */
        public String describe() {
            String kind = whole ? "a whole number" : "a number";
            if (Double.isInfinite(max)) {
                return kind + (minOpen ? " > " : " >= ") + fmt(min);
            }
            return kind + " in " + (minOpen ? "(" : "[") + fmt(min) + ", " + fmt(max) + (maxOpen ? ")" : "]");
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    /** The keys with a physical range (dotted paths into the config). */
    static final Map<String, Range> RANGES = Map.ofEntries(
            Map.entry("model.n_layers", Range.count(1)),
            Map.entry("model.d_model", Range.count(1)),
            Map.entry("model.n_heads", Range.count(1)),
            Map.entry("model.n_kv_heads", Range.count(1)),
            Map.entry("model.head_dim", Range.count(1)),
            Map.entry("model.d_ff", Range.count(1)),
            Map.entry("model.vocab_size", Range.count(1)),
            Map.entry("model.non_embedding_params", Range.positive()),
            Map.entry("model.params_total", Range.positive()),
            Map.entry("model.params_active", Range.positive()),
            Map.entry("model.experts", Range.count(1)),
            Map.entry("model.experts_per_token", Range.count(1)),
            Map.entry("model.expert_d_ff", Range.count(1)),
            Map.entry("model.dense_layers", Range.count(0)),
            Map.entry("model.shared_expert_d_ff", Range.count(0)),
            Map.entry("optimizer.lr", Range.positive()),
            Map.entry("optimizer.adam_lr", Range.positive()),
            Map.entry("optimizer.preconditioner_lr", Range.positive()),
            Map.entry("optimizer.lr_scale", Range.positive()),
            Map.entry("optimizer.weight_decay", Range.nonNegative()),
            Map.entry("optimizer.beta1", Range.beta()),
            Map.entry("optimizer.beta2", Range.beta()),
            Map.entry("optimizer.eps", Range.nonNegative()),
            Map.entry("optimizer.grad_clip", Range.nonNegative()),
            Map.entry("optimizer.block_size", Range.count(1)),
            Map.entry("optimizer.z_loss", Range.nonNegative()),
            Map.entry("data.seq_len", Range.count(1)),
            Map.entry("data.batch_size", Range.count(1)),
            Map.entry("data.batch_tokens", Range.count(1)),
            Map.entry("data.tokens_total", Range.positive()),
            Map.entry("data.unique_tokens", Range.positive()),
            Map.entry("data.epochs", Range.positive()),
            Map.entry("data.chinchilla_multiplier", Range.positive()),
            Map.entry("schedule.total_steps", Range.count(1)),
            Map.entry("schedule.warmup_steps", Range.count(0)),
            Map.entry("schedule.decay_steps", Range.count(0)),
            Map.entry("schedule.min_lr", Range.nonNegative()),
            Map.entry("schedule.min_lr_ratio", Range.share()),
            Map.entry("schedule.warmup_fraction", Range.share()),
            Map.entry("schedule.decay_fraction", Range.share()));

    private ConfigLimits() {}

    /** The range of {@code key} (a dotted path), if it has one. */
    public static Optional<Range> of(String key) {
        return Optional.ofNullable(RANGES.get(key));
    }

    /**
     * The problem with {@code value} at {@code key}, or empty when it is fine: a number that is not finite, or one
     * outside the key's range.
     */
    public static Optional<String> problem(String key, JsonNode value) {
        if (value != null && value.isTextual() && RANGES.containsKey(key) && !absent(value.asText())) {
            return Optional.of("must be a number, got '" + value.asText() + "'");
        }
        if (value == null || !value.isNumber()) {
            return Optional.empty();
        }
        double v = value.asDouble();
        if (value.isBigInteger() || (value.isIntegralNumber() && !value.canConvertToLong())) {
            v = value.bigIntegerValue().doubleValue();
        }
        if (!Double.isFinite(v)) {
            return Optional.of("must be a finite number, got " + value.asText());
        }
        Range r = RANGES.get(key);
        if (r != null && !r.contains(v)) {
            return Optional.of(String.format(Locale.ROOT, "must be %s, got %s", r.describe(), value.asText()));
        }
        return Optional.empty();
    }

    /** Whether a text value says that there is none (as Python's {@code None} does in logged configs). */
    private static boolean absent(String text) {
        String t = text.trim();
        return t.isEmpty() || t.equalsIgnoreCase("none") || t.equalsIgnoreCase("null");
    }

    /**
     * Checks every number in {@code config}, throwing an {@link InvalidRunException} at {@code file}:{@code line}
     * naming the first bad key.
     */
    public static void check(JsonNode config, String file, long line) {
        check(config, "", file, line);
    }

    private static void check(JsonNode node, String prefix, String file, long line) {
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String key = prefix + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                check(v, key + ".", file, line);
            } else if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    JsonNode item = v.get(i);
                    if (item.isNumber() && !Double.isFinite(item.asDouble())) {
                        throw new InvalidRunException(file, line, key + "[" + i + "]",
                                "must be a finite number, got " + item.asText());
                    }
                }
            } else {
                Optional<String> problem = problem(key, v);
                if (problem.isPresent()) {
                    throw new InvalidRunException(file, line, key, problem.get());
                }
            }
        }
    }
}
