package dev.ncpl.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** Flattens a nested config into dotted keys ({@code optimizer.lr}); list items get their index as a key part. */
public final class ConfigFlattener {
    private ConfigFlattener() {}

    /** Adds every leaf of {@code node} under {@code prefix} to {@code out}. */
    public static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(prefix + "." + i, node.get(i), out);
            }
        } else {
            out.put(prefix.replace(' ', '_'), node);
        }
    }
}
