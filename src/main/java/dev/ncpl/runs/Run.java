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

    /** The config value at a dotted path such as {@code optimizer.lr}, if present and not null. */
    public Optional<JsonNode> get(String dottedPath) {
        JsonNode node = config;
        for (String part : dottedPath.split("\\.")) {
            node = node == null ? null : node.get(part);
        }
        return node == null || node.isNull() || node.isMissingNode() ? Optional.empty() : Optional.of(node);
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

    /** A copy with another curve (for example a prefix of this one). */
    public Run withCurve(Curve newCurve) {
        return new Run(id, source, split, metric, config, newCurve);
    }
}
