package dev.ncpl.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.util.List;

/**
 * One searched config key: a numeric range (linear or log-scaled, optionally integer) or a list of
 * choices. A point of the unit interval maps to a value, so samplers work on [0, 1)^d. Range values
 * are rounded to three significant digits, so the tuner returns distinct, readable configs.
 *
 * @param key dotted config key, such as {@code optimizer.lr}
 * @param min lower end of a range (unused with choices)
 * @param max upper end of a range (unused with choices)
 * @param log sample the range uniformly in log space
 * @param integer round range values to whole numbers
 * @param choices the values to choose among, or null for a range
 */
public record Dimension(String key, double min, double max, boolean log, boolean integer, List<JsonNode> choices) {
    /** Significant digits of a sampled range value. */
    public static final int DIGITS = 3;

    public Dimension {
        if (choices == null) {
            if (!(min <= max) || !Double.isFinite(min) || !Double.isFinite(max)) {
                throw new IllegalArgumentException(key + ": need finite min <= max, got " + min + ", " + max);
            }
            if (log && !(min > 0)) {
                throw new IllegalArgumentException(key + ": a log range needs min > 0, got " + min);
            }
        } else if (choices.isEmpty()) {
            throw new IllegalArgumentException(key + ": empty list of choices");
        }
    }

    public boolean isChoice() {
        return choices != null;
    }

    /** The value at {@code u} in [0, 1]. */
    public JsonNode value(double u) {
        double v = Math.max(0, Math.min(1, u));
        if (choices != null) {
            return choices.get(Math.min(choices.size() - 1, (int) (v * choices.size())));
        }
        double x = log ? Math.exp(Math.log(min) + v * (Math.log(max) - Math.log(min))) : min + v * (max - min);
        return integer ? LongNode.valueOf(Math.round(x)) : DoubleNode.valueOf(significant(x));
    }

    /** {@code x} to {@link #DIGITS} significant digits: finer differences are below what a predictor can tell. */
    static double significant(double x) {
        if (x == 0 || !Double.isFinite(x)) {
            return x;
        }
        return new java.math.BigDecimal(x).round(new java.math.MathContext(DIGITS)).doubleValue();
    }

    /** The unit-interval position of a value of this dimension (for starting the search at the base config). */
    public double unit(JsonNode value) {
        if (choices != null) {
            int i = choices.indexOf(value);
            return i < 0 ? 0.5 : (i + 0.5) / choices.size();
        }
        if (value == null || !value.isNumber() || max == min) {
            return 0.5;
        }
        double x = value.asDouble();
        double u = log ? (Math.log(x) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (x - min) / (max - min);
        return Math.max(0, Math.min(1, u));
    }
}
