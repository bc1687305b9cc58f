package dev.ncpl.text;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scales each numeric field of a config for the network: scale-like fields (all positive, spanning
 * at least a factor {@value #LOG_RATIO}) are log-transformed, then every field is standardised with
 * the mean and standard deviation seen in the training configs. The statistics are saved with the
 * model. A field never seen in training falls back to asinh(x), and every value is clipped to
 * ±{@value #CLIP} so one odd input cannot blow up the network.
 */
public final class NumericScaler {
    /** Ratio of largest to smallest value above which a positive field is scaled in log space. */
    public static final double LOG_RATIO = 8;
    /** Bound on scaled values. */
    public static final double CLIP = 12;

    /**
     * Per-field statistics.
     *
     * @param log whether the field is log-transformed first
     * @param mean mean of the (transformed) training values
     * @param std standard deviation of the (transformed) training values, 1 when constant
     */
    public record FieldStats(boolean log, double mean, double std) {}

    private final Map<String, FieldStats> fields;

    @JsonCreator
    public NumericScaler(@JsonProperty("fields") Map<String, FieldStats> fields) {
        this.fields = new TreeMap<>(fields);
    }

    /** Computes the statistics of every numeric field of {@code configs}. */
    public static NumericScaler fit(List<SerializedConfig> configs) {
        Map<String, List<Double>> values = new HashMap<>();
        for (SerializedConfig c : configs) {
            for (int i = 0; i < c.numbers().length; i++) {
                values.computeIfAbsent(c.numberKeys().get(i), k -> new ArrayList<>()).add(c.numbers()[i]);
            }
        }
        Map<String, FieldStats> stats = new TreeMap<>();
        values.forEach((key, vs) -> {
            double min = vs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double max = vs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            boolean log = min > 0 && max / min >= LOG_RATIO;
            double[] t = vs.stream().mapToDouble(v -> log ? Math.log(v) : v).toArray();
            double mean = 0;
            for (double v : t) {
                mean += v;
            }
            mean /= t.length;
            double var = 0;
            for (double v : t) {
                var += (v - mean) * (v - mean);
            }
            double std = Math.sqrt(var / t.length);
            stats.put(key, new FieldStats(log, mean, std > 1e-12 ? std : 1.0));
        });
        return new NumericScaler(stats);
    }

    /** The scaled value of {@code raw} in field {@code key}. */
    public double scale(String key, double raw) {
        FieldStats s = fields.get(key);
        double v;
        if (s == null) {
            v = Math.log(raw + Math.sqrt(raw * raw + 1));
        } else {
            double t = s.log() ? Math.log(Math.max(raw, 1e-300)) : raw;
            v = (t - s.mean()) / s.std();
        }
        return Math.max(-CLIP, Math.min(CLIP, v));
    }

    @JsonProperty("fields")
    public Map<String, FieldStats> fields() {
        return fields;
    }
}
