package dev.ncpl.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a consistent candidate config from a base config and a point of the search space: sets the
 * searched keys, then re-derives what depends on them — batch tokens from batch size × sequence
 * length, N from a changed model shape, and from the budget the token count and the number of
 * steps — so that no candidate claims a size or budget it does not have.
 */
public final class CandidateFactory {
    private static final Set<String> SHAPE_KEYS = Set.of("model.n_layers", "model.d_model", "model.d_ff");
    private static final Set<String> PLAIN_FFN = Set.of("gelu", "relu", "silu", "swish", "squared_relu", "relu2", "tanh");

    private final Run base;
    private final Budget budget;

    public CandidateFactory(Run base, Budget budget) {
        this.base = base;
        this.budget = budget;
    }

    public Run base() {
        return base;
    }

    /** The base config with {@code values} applied and its derived fields made consistent. */
    public Run build(String id, Map<String, JsonNode> values) {
        ObjectNode cfg = base.config().deepCopy();
        values.forEach((key, value) -> set(cfg, key, value));
        Run draft = new Run(id, base.source(), "", base.metric(), cfg, base.curve());
        if (values.keySet().stream().anyMatch(SHAPE_KEYS::contains) && draft.get("model.non_embedding_params").isPresent()) {
            set(cfg, "model.non_embedding_params", com.fasterxml.jackson.databind.node.DoubleNode.valueOf(params(draft)));
        }
        boolean batchChanged = values.containsKey("data.batch_size") || values.containsKey("data.seq_len");
        if (batchChanged && !values.containsKey("data.batch_tokens")) {
            Optional<Double> bs = draft.number("data.batch_size");
            Optional<Double> seq = draft.number("data.seq_len");
            if (bs.isPresent() && seq.isPresent()) {
                set(cfg, "data.batch_tokens", num(bs.get() * seq.get()));
            }
        } else if (values.containsKey("data.batch_tokens") && draft.number("data.seq_len").isPresent()
                && draft.get("data.batch_size").isPresent()) {
            set(cfg, "data.batch_size", num(Math.max(1, Math.round(draft.number("data.batch_tokens").get()
                    / draft.number("data.seq_len").get()))));
        }
        double batchTokens = Scale.batchTokens(draft).orElseThrow(() -> new IllegalArgumentException(base.id()
                + ": the base config needs data.batch_tokens (or data.batch_size and data.seq_len)"));
        double tokens = budget.isSet() ? budget.tokensFor(params(draft))
                : Scale.tokens(draft).orElseThrow(() -> new IllegalArgumentException(base.id()
                        + ": the base config needs data.tokens_total (or schedule.total_steps), or give a budget"));
        long steps = Math.max(1, Math.round(tokens / batchTokens));
        set(cfg, "data.tokens_total", num(steps * batchTokens));
        set(cfg, "schedule.total_steps", num(steps));
        draft.number("schedule.warmup_steps").ifPresent(w -> {
            if (w > steps) {
                set(cfg, "schedule.warmup_steps", num(steps));
            }
        });
        return draft;
    }

    /** N of the (possibly reshaped) model: the README's n_layers·(4·d² + k·d·d_ff), k = 3 unless the FFN is plain. */
    private static double params(Run run) {
        Optional<Double> layers = run.number("model.n_layers");
        Optional<Double> d = run.number("model.d_model");
        Optional<Double> ff = run.number("model.d_ff");
        if (layers.isPresent() && d.isPresent() && ff.isPresent()) {
            boolean plain = run.text("model.ffn").map(s -> s.equalsIgnoreCase("plain")).orElse(false)
                    || run.text("model.activation").map(s -> PLAIN_FFN.contains(s.toLowerCase(Locale.ROOT))).orElse(false);
            return layers.get() * (4 * d.get() * d.get() + (plain ? 2 : 3) * d.get() * ff.get());
        }
        return Scale.params(run).orElseThrow(() -> new IllegalArgumentException(run.id()
                + ": cannot determine N of the candidate (model.non_embedding_params or the model shape)"));
    }

    private static JsonNode num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 9e15
                ? com.fasterxml.jackson.databind.node.LongNode.valueOf((long) v)
                : com.fasterxml.jackson.databind.node.DoubleNode.valueOf(v);
    }

    /** Sets a dotted key, creating the sections on the way. */
    static void set(ObjectNode cfg, String dotted, JsonNode value) {
        dev.ncpl.runs.ConfigFlattener.put(cfg, dotted, value);
    }
}
