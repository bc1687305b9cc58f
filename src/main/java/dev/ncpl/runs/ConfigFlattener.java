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

    /** The numeric config fields whose value differs between {@code runs}, sorted (the inputs worth learning from). */
    public static java.util.List<String> varyingNumericKeys(java.util.List<Run> runs) {
        Map<String, java.util.Set<Double>> values = new java.util.TreeMap<>();
        for (Run r : runs) {
            Map<String, JsonNode> flat = new java.util.LinkedHashMap<>();
            flatten("", r.config(), flat);
            flat.forEach((k, v) -> {
                if (v.isNumber()) {
                    values.computeIfAbsent(k, x -> new java.util.HashSet<>()).add(v.asDouble());
                }
            });
        }
        java.util.List<String> keys = new java.util.ArrayList<>();
        values.forEach((k, v) -> {
            if (v.size() > 1) {
                keys.add(k);
            }
        });
        return java.util.List.copyOf(keys);
    }

    /** Sets dotted {@code key} of {@code root} to {@code value}, creating the sections on the way (the inverse of flattening). */
    public static void put(com.fasterxml.jackson.databind.node.ObjectNode root, String key, JsonNode value) {
        String[] parts = key.split("\\.");
        com.fasterxml.jackson.databind.node.ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (!(child instanceof com.fasterxml.jackson.databind.node.ObjectNode)) {
                child = node.putObject(parts[i]);
            }
            node = (com.fasterxml.jackson.databind.node.ObjectNode) child;
        }
        node.set(parts[parts.length - 1], value);
    }
}
