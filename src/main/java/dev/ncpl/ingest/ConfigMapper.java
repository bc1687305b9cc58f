package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.util.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the hyperparameters a training tool logs (HuggingFace's {@code num_hidden_layers},
 * {@code learning_rate}, Lightning's {@code lr}, nested configs, W&B's {@code {value: …}} wrappers)
 * into ncpl's config sections: {@code model}, {@code optimizer}, {@code data}, {@code schedule}. Keys
 * already in that form pass through; known aliases are renamed; any other scalar is kept under
 * {@code extra.} (the serializer keeps keys it does not know). Facts that can be derived are filled
 * in: tokens per step from batch size × sequence length, the token budget from steps × tokens per
 * step, warmup steps from a warmup ratio.
 */
public final class ConfigMapper {
    /** Canonical key ← the names tools use for it (compared case-insensitively, on the last key part). */
    private static final Map<String, List<String>> ALIASES = new LinkedHashMap<>();

    static {
        ALIASES.put("model.arch", List.of("model_type", "arch", "architecture"));
        ALIASES.put("model.n_layers", List.of("num_hidden_layers", "n_layer", "n_layers", "num_layers"));
        ALIASES.put("model.d_model", List.of("hidden_size", "n_embd", "d_model", "dim", "model_dim"));
        ALIASES.put("model.n_heads", List.of("num_attention_heads", "n_head", "n_heads", "num_heads"));
        ALIASES.put("model.d_ff", List.of("intermediate_size", "n_inner", "d_ff", "ffn_dim", "ffn_hidden_size"));
        ALIASES.put("model.vocab_size", List.of("vocab_size"));
        ALIASES.put("model.activation", List.of("hidden_act", "activation_function", "activation"));
        ALIASES.put("model.non_embedding_params", List.of("non_embedding_params"));
        ALIASES.put("optimizer.name", List.of("optim", "optimizer", "optimizer_name", "optimizer_type"));
        ALIASES.put("optimizer.lr", List.of("learning_rate", "lr", "peak_lr", "max_lr"));
        ALIASES.put("optimizer.weight_decay", List.of("weight_decay", "wd"));
        ALIASES.put("optimizer.beta1", List.of("adam_beta1", "beta1"));
        ALIASES.put("optimizer.beta2", List.of("adam_beta2", "beta2"));
        ALIASES.put("optimizer.eps", List.of("adam_epsilon", "eps", "adam_eps"));
        ALIASES.put("optimizer.grad_clip", List.of("max_grad_norm", "grad_clip", "gradient_clip_val", "clip_grad"));
        ALIASES.put("data.dataset", List.of("dataset", "dataset_name"));
        ALIASES.put("data.seq_len", List.of("seq_len", "max_seq_length", "block_size", "seq_length", "context_length"));
        ALIASES.put("data.batch_size", List.of("global_batch_size", "total_train_batch_size", "batch_size"));
        ALIASES.put("data.batch_tokens", List.of("batch_tokens", "tokens_per_step"));
        ALIASES.put("data.tokens_total", List.of("tokens_total", "total_tokens", "train_tokens"));
        ALIASES.put("schedule.lr_schedule", List.of("lr_schedule", "scheduler", "lr_scheduler"));
        // trainers' own schedule names and arguments keep their names: ScheduleDialects reads them
        for (String k : List.of("lr_scheduler_type", "min_lr_rate", "num_decay_steps", "decay_type", "power", "lr_end",
                "num_cycles", "timescale", "warmdown_ratio", "final_lr_ratio", "final_lr_frac", "lr_decay_style",
                "lr_wsd_decay_style", "lr_warmup_fraction", "lr_warmup_iters", "lr_decay_iters", "lr_wsd_decay_iters")) {
            ALIASES.put("schedule." + k, List.of(k));
        }
        ALIASES.put("schedule.warmup_steps", List.of("warmup_steps", "num_warmup_steps", "warmup_iters"));
        ALIASES.put("schedule.total_steps", List.of("max_steps", "total_steps", "num_training_steps", "max_iters"));
        ALIASES.put("schedule.min_lr_ratio", List.of("min_lr_ratio"));
        ALIASES.put("schedule.min_lr", List.of("min_lr"));
    }

    /** Optimizer names ncpl's data uses; a tool's variant ({@code adamw_torch_fused}) maps to the one it starts with. */
    private static final List<String> OPTIMIZERS = List.of("nadamw", "adamw", "adafactor", "adam", "lion", "muon",
            "soap", "sophia", "kron", "mars", "scion", "cautious", "sgd");
    /** Top-level sections of ncpl's config. */
    private static final List<String> SECTIONS = List.of("model", "optimizer", "data", "schedule");

    private ConfigMapper() {}

    /**
     * Maps the hyperparameters in {@code raw} (nested or flat; later maps win over earlier ones for the
     * same key) to an ncpl config; {@code lastStep} is the last logged step, used when no total is given.
     */
    public static ObjectNode map(List<JsonNode> raw, double lastStep) {
        Map<String, JsonNode> flat = new LinkedHashMap<>();
        for (JsonNode r : raw) {
            if (r != null && r.isObject()) {
                Map<String, JsonNode> one = new LinkedHashMap<>();
                ConfigFlattener.flatten("", unwrapValues(r), one);
                flat.putAll(one);
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        Double warmupRatio = null;
        for (Map.Entry<String, JsonNode> e : flat.entrySet()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || v.isContainerNode()) {
                continue;
            }
            String last = key.substring(key.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
            if (last.equals("warmup_ratio") && v.isNumber()) {
                warmupRatio = v.asDouble();
                continue;
            }
            String target = canonical(key, last);
            if (last.equals("lr_scheduler_type") && List.of("cosine", "linear").contains(v.asText().toLowerCase(Locale.ROOT))) {
                target = "schedule.lr_schedule"; // HuggingFace's cosine and linear are ncpl's: to 0 after warmup
            }
            if (target == null) {
                target = "extra." + key.replaceAll("[^A-Za-z0-9_.]", "_");
            } else if (has(out, target) && !SECTIONS.contains(key.split("\\.")[0])) {
                continue; // an alias never overrides a key given in ncpl's own form
            }
            put(out, target, target.equals("optimizer.name") ? Json.MAPPER.getNodeFactory().textNode(optimizer(v.asText()))
                    : numberIfNumeric(v));
        }
        derive(out, warmupRatio, lastStep);
        return out;
    }

    /** W&B writes each config value as {@code {desc: …, value: …}}; keep the values. */
    private static JsonNode unwrapValues(JsonNode node) {
        if (!node.isObject()) {
            return node;
        }
        if (node.has("value") && node.size() <= 2 && (node.size() == 1 || node.has("desc"))) {
            return unwrapValues(node.get("value"));
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        node.fields().forEachRemaining(e -> {
            if (!e.getKey().startsWith("_wandb")) {
                out.set(e.getKey(), unwrapValues(e.getValue()));
            }
        });
        return out;
    }

    private static String canonical(String key, String last) {
        String first = key.contains(".") ? key.substring(0, key.indexOf('.')) : "";
        if (first.equals("lr_scheduler")) {
            return key; // torchtitan's section, read as a whole by ScheduleDialects
        }
        if (SECTIONS.contains(first) && key.indexOf('.') == key.lastIndexOf('.')) {
            return key;
        }
        for (Map.Entry<String, List<String>> a : ALIASES.entrySet()) {
            if (a.getValue().contains(last)) {
                return a.getKey();
            }
        }
        return null;
    }

    /** The ncpl name of a tool's optimizer name ({@code adamw_torch} → {@code adamw}). */
    static String optimizer(String name) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        for (String o : OPTIMIZERS) {
            if (n.startsWith(o)) {
                return o;
            }
        }
        return n;
    }

    /** A value given as text ({@code --set KEY=VALUE}) as the config will hold it: a number where it reads as one. */
    public static JsonNode scalar(String text) {
        return numberIfNumeric(Json.MAPPER.getNodeFactory().textNode(text));
    }

    private static JsonNode numberIfNumeric(JsonNode v) {
        if (v.isTextual()) {
            try {
                return Json.MAPPER.getNodeFactory().numberNode(Double.parseDouble(v.asText().trim()));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        return v;
    }

    private static void derive(ObjectNode out, Double warmupRatio, double lastStep) {
        Optional<Double> total = number(out, "schedule.total_steps");
        if (total.isEmpty() && lastStep > 0) {
            put(out, "schedule.total_steps", Json.MAPPER.getNodeFactory().numberNode((long) Math.round(lastStep)));
            total = Optional.of(lastStep);
        }
        if (warmupRatio != null && !has(out, "schedule.warmup_steps") && total.isPresent()) {
            put(out, "schedule.warmup_steps", Json.MAPPER.getNodeFactory().numberNode(Math.round(warmupRatio * total.get())));
        }
        Optional<Double> bs = number(out, "data.batch_size");
        Optional<Double> seq = number(out, "data.seq_len");
        if (!has(out, "data.batch_tokens") && bs.isPresent() && seq.isPresent()) {
            put(out, "data.batch_tokens", Json.MAPPER.getNodeFactory().numberNode(Math.round(bs.get() * seq.get())));
        }
        Optional<Double> bt = number(out, "data.batch_tokens");
        if (!has(out, "data.tokens_total") && bt.isPresent() && total.isPresent()) {
            put(out, "data.tokens_total", Json.MAPPER.getNodeFactory().numberNode(Math.round(bt.get() * total.get())));
        }
    }

    /** Sets dotted {@code key} (creating sections) to {@code value}. */
    static void put(ObjectNode root, String key, JsonNode value) {
        ConfigFlattener.put(root, key, value);
    }

    static boolean has(ObjectNode root, String key) {
        return !root.at("/" + key.replace('.', '/')).isMissingNode();
    }

    static Optional<Double> number(ObjectNode root, String key) {
        JsonNode n = root.at("/" + key.replace('.', '/'));
        return n.isNumber() ? Optional.of(n.asDouble()) : Optional.empty();
    }
}
