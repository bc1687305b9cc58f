package dev.ncpl.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns one parsed JSON (or YAML) document into a validated {@link Run}, reporting problems with the
 * file, line and field. Shared by every reader of runs and candidate configs.
 */
final class RunParser {
    private final String name;
    private final long lineNo;
    private final RunReader.Options options;

    RunParser(String name, long lineNo, RunReader.Options options) {
        this.name = name;
        this.lineNo = lineNo;
        this.options = options;
    }

    private InvalidRunException error(String field, String problem) {
        return new InvalidRunException(name, lineNo, field, problem);
    }

    /** The run in {@code root}; {@code defaultId} and {@code defaultSource} fill an absent id or source. */
    Run parse(JsonNode root, String defaultId, String defaultSource) {
        if (root == null || !root.isObject()) {
            throw error(null, "expected a JSON object per line");
        }
        String id = text(root, "id", options.requireId());
        if (id == null) {
            id = defaultId;
        }
        String source = text(root, "source", options.requireId());
        String split = text(root, "split", false);
        String metric = text(root, "metric", false);
        JsonNode config = root.get("config");
        if (config == null || config.isNull()) {
            throw error("config", "missing");
        }
        if (!config.isObject()) {
            throw error("config", "expected an object of sections such as model, optimizer, data, schedule");
        }
        ConfigLimits.check(config, name, lineNo);
        Curve curve = parseCurve(root.get("curve"));
        if (source == null) {
            source = defaultSource == null ? "unknown" : defaultSource;
        }
        return new Run(id, source, split == null ? "" : split,
                metric == null ? "" : metric, (ObjectNode) config, curve);
    }

    private String text(JsonNode root, String field, boolean required) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw error(field, "missing");
            }
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw error(field, "expected a non-empty string");
        }
        return n.asText();
    }

    private Curve parseCurve(JsonNode node) {
        if (node == null || node.isNull()) {
            if (options.requireCurve()) {
                throw error("curve", "missing (a list of [step, loss] pairs is required)");
            }
            return new Curve(new double[0], new double[0]);
        }
        if (!node.isArray()) {
            throw error("curve", "expected a list of [step, loss] pairs");
        }
        if (node.isEmpty() && options.requireCurve()) {
            throw error("curve", "empty (at least the final [step, loss] is required)");
        }
        int n = node.size();
        double[] steps = new double[n];
        double[] losses = new double[n];
        double minLoss = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            JsonNode p = node.get(i);
            String where = "curve[" + i + "]";
            if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()) {
                throw error(where, "expected a [step, loss] pair of numbers, got " + p);
            }
            double step = p.get(0).asDouble();
            double loss = p.get(1).asDouble();
            if (!Double.isFinite(step) || step < 0) {
                throw error(where, "step must be a finite number >= 0, got " + step);
            }
            if (Double.isNaN(loss)) {
                throw error(where, "loss is NaN");
            }
            if (Double.isInfinite(loss)) {
                throw error(where, "loss is infinite");
            }
            if (loss <= 0) {
                throw error(where, "loss must be positive, got " + loss);
            }
            if (i > 0 && step <= steps[i - 1]) {
                throw error(where, "steps must increase, but step " + (long) step + " follows "
                        + (long) steps[i - 1]);
            }
            steps[i] = step;
            losses[i] = loss;
            minLoss = Math.min(minLoss, loss);
        }
        if (options.rejectDiverged() && n > 1 && losses[n - 1] > RunReader.DIVERGENCE_FACTOR * minLoss) {
            throw error("curve", String.format(java.util.Locale.ROOT,
                    "diverged: final loss %.4g is over %.1fx the curve's minimum %.4g", losses[n - 1],
                    RunReader.DIVERGENCE_FACTOR, minLoss));
        }
        return new Curve(steps, losses);
    }
}
