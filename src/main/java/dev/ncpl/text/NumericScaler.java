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
 *
 * <p>Values outside the range seen in training are clamped to it: beyond the data, the network's
 * residual stays at its value on the nearest configs seen, and the dependence on size and tokens
 * is left to the Chinchilla baseline, which extrapolates by construction (this is why residual
 * models extrapolate where free-form ones fail). {@link #scaleUnclamped} skips the clamp, for
 * quantities such as the tokens seen at an early step, which are legitimately below any budget.
 * The range is pooled over the training sources: a size beyond one source's runs but within another's is
 * read as it is (holding it per source was measured to extrapolate worse one size out; {@code
 * PredictionIntervals#beyondSourceRange} names such configs instead).
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
     * @param min smallest scaled training value (null: no clamp)
     * @param max largest scaled training value (null: no clamp)
     */
    public record FieldStats(boolean log, double mean, double std, Double min, Double max) {}

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
            double std = Math.sqrt(var / t.length) > 1e-12 ? Math.sqrt(var / t.length) : 1.0;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : t) {
                lo = Math.min(lo, (v - mean) / std);
                hi = Math.max(hi, (v - mean) / std);
            }
            stats.put(key, new FieldStats(log, mean, std, lo, hi));
        });
        return new NumericScaler(stats);
    }

    /**
     * This scaler, for fine-tuning on new configs: every field it knows keeps its transform, mean and
     * standard deviation (the network's inputs keep their meaning) but its clamp range widens to cover
     * the values in {@code fresh} (fitted on the new configs); fields only {@code fresh} knows are added.
     */
    public NumericScaler extendedWith(NumericScaler fresh) {
        Map<String, FieldStats> out = new TreeMap<>(fields);
        fresh.fields.forEach((key, f) -> {
            FieldStats mine = fields.get(key);
            if (mine == null) {
                out.put(key, f);
            } else if (mine.min() != null && mine.max() != null && f.min() != null && f.max() != null) {
                double lo = rescale(f, f.min(), mine);
                double hi = rescale(f, f.max(), mine);
                out.put(key, new FieldStats(mine.log(), mine.mean(), mine.std(), Math.min(mine.min(), Math.min(lo, hi)),
                        Math.max(mine.max(), Math.max(lo, hi))));
            }
        });
        return new NumericScaler(out);
    }

    /** A value scaled under {@code from}, scaled again under {@code to}. */
    private static double rescale(FieldStats from, double v, FieldStats to) {
        double t = v * from.std() + from.mean();
        double raw = from.log() ? Math.exp(t) : t;
        double t2 = to.log() ? Math.log(Math.max(raw, 1e-300)) : raw;
        return (t2 - to.mean()) / to.std();
    }

    /** The scaled value of {@code raw} in field {@code key}, clamped to the training range. */
    public double scale(String key, double raw) {
        double v = scaleUnclamped(key, raw);
        FieldStats s = fields.get(key);
        if (s != null && s.min() != null && s.max() != null) {
            v = Math.max(s.min(), Math.min(s.max(), v));
        }
        return v;
    }

    /** The scaled value of {@code raw} in field {@code key}, not clamped to the training range. */
    public double scaleUnclamped(String key, double raw) {
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

    /**
     * The numeric fields of {@code config} that the network cannot read as they are: those whose value
     * lies outside the range of the training configs (the network holds it at the edge, so the
     * prediction does not follow it further) and those no training config had. In config order.
     */
    public List<String> outsideTrainingRange(SerializedConfig config) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < config.numbers().length; i++) {
            String key = config.numberKeys().get(i);
            FieldStats s = fields.get(key);
            if (s == null) {
                out.add(key);
            } else if (s.min() != null && s.max() != null) {
                double v = scaleUnclamped(key, config.numbers()[i]);
                double slack = 1e-6 * Math.max(1, s.max() - s.min());
                if (v < s.min() - slack || v > s.max() + slack) {
                    out.add(key);
                }
            }
        }
        return out;
    }

    @JsonProperty("fields")
    public Map<String, FieldStats> fields() {
        return fields;
    }
}
