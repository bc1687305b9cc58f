package dev.ncpl.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * One pretraining run: its identity, where it comes from, the metric its curve logs, its nested
 * training configuration and its loss curve (empty for a bare candidate config).
 *
 * @param id unique run id
 * @param source data source, for example {@code marin} or {@code steplaw}
 * @param split {@code train}, {@code in_val}, or empty when not assigned
 * @param metric name of the logged loss
 * @param config nested configuration (model, optimizer, data, schedule, …)
 * @param curve loss curve, possibly empty
 */
public record Run(String id, String source, String split, String metric, ObjectNode config, Curve curve) {
    /** A null split is no split: the run is not assigned to one. */
    public Run {
        split = split == null ? "" : split;
    }

    /** The config value at a dotted path such as {@code optimizer.lr}, if present and not null. */
    public Optional<JsonNode> get(String dottedPath) {
        JsonNode node = config;
        for (String part : parts(dottedPath)) {
            node = node == null ? null : node.get(part);
        }
        return node == null || node.isNull() || node.isMissingNode() ? Optional.empty() : Optional.of(node);
    }

    /** Split paths, kept: a path's parts then keep their hash codes for the lookups of every run (at most {@value #MAX_PATHS}). */
    private static final java.util.Map<String, String[]> PATHS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_PATHS = 10_000;

    private static String[] parts(String dottedPath) {
        String[] parts = PATHS.get(dottedPath);
        if (parts == null) {
            parts = dottedPath.split("\\.");
            if (PATHS.size() < MAX_PATHS) {
                PATHS.put(dottedPath, parts);
            }
        }
        return parts;
    }

    /** The numeric config value at a dotted path, if present and numeric. */
    public Optional<Double> number(String dottedPath) {
        return get(dottedPath).filter(JsonNode::isNumber).map(JsonNode::asDouble);
    }

    /** The textual config value at a dotted path, if present. */
    public Optional<String> text(String dottedPath) {
        return get(dottedPath).map(JsonNode::asText);
    }

    public boolean hasCurve() {
        return curve != null && !curve.isEmpty();
    }

    /**
     * Whether the curve stops well before the schedule ends: its last logged step lies more than two logging
     * intervals (the median step between its points) and more than 5% of {@code schedule.total_steps} before
     * the end. Such a run's last loss, which is read as its final loss, is where it stopped, not what its
     * schedule would have reached: 15 of the shared Marin runs (12 train, 3 in_val) stop at 10–88% of their
     * schedules. False without a step count or with fewer than three points.
     */
    public boolean stopsEarly() {
        Optional<Double> total = number("schedule.total_steps");
        if (curve == null || curve.size() < 3 || total.isEmpty()) {
            return false;
        }
        double[] gaps = new double[curve.size() - 1];
        for (int i = 1; i < curve.size(); i++) {
            gaps[i - 1] = curve.step(i) - curve.step(i - 1);
        }
        java.util.Arrays.sort(gaps);
        double interval = gaps[gaps.length / 2];
        return total.get() - curve.lastStep() > Math.max(2 * interval, 0.05 * total.get());
    }

    /**
     * Peak learning rate × weight decay ({@code optimizer.lr} × {@code optimizer.weight_decay}), the share of the
     * weights a decoupled decay takes each step at peak; 0 where the config lacks either.
     */
    public double lrTimesWeightDecay() {
        return number("optimizer.lr").orElse(0.0) * number("optimizer.weight_decay").orElse(0.0);
    }

    /** A copy under another source's name (a new source read as a known one). */
    public Run withSource(String newSource) {
        return new Run(id, newSource, split, metric, config, curve);
    }

    /** A copy with another curve (for example a prefix of this one). */
    public Run withCurve(Curve newCurve) {
        return new Run(id, source, split, metric, config, newCurve);
    }
}
