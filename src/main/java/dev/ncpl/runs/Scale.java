package dev.ncpl.runs;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Model size N (non-embedding parameters) and token budget D of a run, read from its config or
 * derived from it when absent. Nothing is guessed: when neither the value nor what it derives from
 * is present, {@link #of(Run)} throws naming the run and the missing keys.
 *
 * @param params N, non-embedding parameters
 * @param tokens D, training tokens
 */
public record Scale(double params, double tokens) {
    private static final String PARAMS = "model.non_embedding_params";
    private static final String TOKENS = "data.tokens_total";
    /** Activations whose FFN has three matrices (gate, up, down). */
    private static final Set<String> GATED = Set.of("swiglu", "geglu", "reglu", "glu", "silu_glu", "swish_glu");
    /** Activations whose FFN has two matrices (up, down). */
    private static final Set<String> PLAIN = Set.of("gelu", "relu", "silu", "swish", "squared_relu", "relu2", "tanh");

    /**
     * Resolves N and D of {@code run}, or throws an {@link InvalidRunException} naming the run and the field
     * ({@code model.non_embedding_params} or {@code data.tokens_total}) it could not resolve.
     */
    public static Scale of(Run run) {
        double n = params(run).orElseThrow(() -> new InvalidRunException(run.id(), 0, PARAMS,
                run.number("model.experts").isPresent()
                        ? "cannot determine N of a mixture of experts: no model.params_active, and model.n_layers, "
                        + "model.d_model, model.experts_per_token, model.expert_d_ff (and model.d_ff with "
                        + "model.dense_layers) are not all present"
                        : "cannot determine N: no model.non_embedding_params, and model.n_layers, model.d_model,"
                        + " model.d_ff with model.activation (or model.ffn: gated|plain) are not all present"));
        double d = tokens(run).orElseThrow(() -> new InvalidRunException(run.id(), 0, TOKENS,
                "cannot determine D: no data.tokens_total, and schedule.total_steps with"
                        + " data.batch_tokens (or data.batch_size and data.seq_len) are not all present"));
        if (!(n > 0)) {
            throw new InvalidRunException(run.id(), 0, PARAMS, String.format(Locale.ROOT, "N must be positive, got %g", n));
        }
        if (!(d > 0)) {
            throw new InvalidRunException(run.id(), 0, TOKENS, String.format(Locale.ROOT, "D must be positive, got %g", d));
        }
        Optional<Double> total = isMixture(run) ? run.number("model.params_total") : Optional.empty();
        if (total.isPresent() && !(total.get() >= n)) {
            throw new InvalidRunException(run.id(), 0, "model.params_total", String.format(Locale.ROOT,
                    "a mixture of experts' total parameters (%g) must be at least its active ones (%g)", total.get(), n));
        }
        return new Scale(n, d);
    }

    /**
     * N from the config: {@code model.non_embedding_params}; for a mixture of experts the active non-embedding
     * parameters, {@code model.params_active} as given or counted from the expert fields ({@link #moeActiveParams});
     * otherwise n_layers·(4·d_model² + k·d_model·d_ff) with k = 3 (gated) or 2 (plain).
     */
    public static Optional<Double> params(Run run) {
        Optional<Double> given = run.number("model.non_embedding_params");
        if (given.isPresent()) {
            return given;
        }
        Optional<Double> active = run.number("model.params_active");
        if (active.isPresent()) {
            return active;
        }
        if (run.number("model.experts").isPresent()) {
            return moeActiveParams(run);
        }
        Optional<Double> layers = run.number("model.n_layers");
        Optional<Double> dModel = run.number("model.d_model");
        Optional<Double> dFf = run.number("model.d_ff");
        Optional<Integer> matrices = ffnMatrices(run);
        if (layers.isEmpty() || dModel.isEmpty() || dFf.isEmpty() || matrices.isEmpty()) {
            return Optional.empty();
        }
        double d = dModel.get();
        return Optional.of(layers.get() * (4 * d * d + matrices.get() * d * dFf.get()));
    }

    /**
     * The active non-embedding parameters of a mixture-of-experts config, counted from its fields: attention
     * n_layers·4·d_model², the first {@code model.dense_layers} (default 0) with a dense FFN of {@code model.d_ff},
     * and in each of the other layers {@code model.experts_per_token} experts of width {@code model.expert_d_ff} plus
     * a shared expert of {@code model.shared_expert_d_ff} (default 0), the router's d_model·experts left out as Step
     * Law's published counts leave it out; an FFN of k
     * matrices (3 gated, 2 plain; gated unless {@code model.activation} or {@code model.ffn} says otherwise). Empty when a
     * field it needs is missing.
     */
    public static Optional<Double> moeActiveParams(Run run) {
        return run.number("model.experts_per_token").flatMap(topK -> moeParams(run, topK));
    }

    /**
     * A mixture of experts' non-embedding parameters counted as {@link #moeActiveParams} counts them, with {@code
     * routed} experts of each layer in place of the top k; empty when a field the active count needs is missing.
     */
    private static Optional<Double> moeParams(Run run, double routed) {
        Optional<Double> layers = run.number("model.n_layers");
        Optional<Double> dModel = run.number("model.d_model");
        Optional<Double> experts = run.number("model.experts");
        Optional<Double> topK = run.number("model.experts_per_token");
        Optional<Double> expertFf = run.number("model.expert_d_ff");
        double dense = run.number("model.dense_layers").orElse(0.0);
        if (layers.isEmpty() || dModel.isEmpty() || experts.isEmpty() || topK.isEmpty() || expertFf.isEmpty()
                || (dense > 0 && run.number("model.d_ff").isEmpty())) {
            return Optional.empty();
        }
        int k = run.text("model.activation").isPresent() || run.text("model.ffn").isPresent()
                ? ffnMatrices(run).orElse(3) : 3;
        double d = dModel.get();
        double moeLayers = layers.get() - dense;
        double perMoeLayer = k * d * (routed * expertFf.get() + run.number("model.shared_expert_d_ff").orElse(0.0));
        return Optional.of(layers.get() * 4 * d * d + dense * k * d * run.number("model.d_ff").orElse(0.0)
                + moeLayers * perMoeLayer);
    }

    /**
     * The total non-embedding parameters: N for a dense config (whatever {@code model.params_total} says: dense
     * sweeps log it with the embeddings); for a mixture of experts (a config with {@code model.experts} or {@code
     * model.params_active}) {@code model.params_total} as given, or counted as {@link #moeActiveParams} counts with
     * every expert in place of the top k ({@link #moeParams}). Empty where a field it needs is missing.
     */
    public static Optional<Double> totalParams(Run run) {
        if (!isMixture(run)) {
            return params(run);
        }
        Optional<Double> given = run.number("model.params_total");
        return given.isPresent() ? given : run.number("model.experts").flatMap(experts -> moeParams(run, experts));
    }

    /** Whether {@code run} is a mixture of experts: it gives {@code model.experts} or {@code model.params_active}. */
    public static boolean isMixture(Run run) {
        return run.number("model.experts").isPresent() || run.number("model.params_active").isPresent();
    }

    /**
     * The share of a mixture of experts' routed experts that each token uses, {@code model.experts_per_token} /
     * {@code model.experts} (how dense the config is); 1 for a dense config (no {@code model.experts}); empty for a
     * mixture of experts that does not give both.
     */
    public static Optional<Double> activeShare(Run run) {
        Optional<Double> experts = run.number("model.experts");
        if (experts.isEmpty()) {
            return Optional.of(1.0);
        }
        return run.number("model.experts_per_token").filter(k -> experts.get() > 0).map(k -> k / experts.get());
    }

    private static Optional<Integer> ffnMatrices(Run run) {
        Optional<String> ffn = run.text("model.ffn").map(s -> s.toLowerCase(Locale.ROOT));
        if (ffn.isPresent()) {
            return ffn.get().equals("gated") ? Optional.of(3) : ffn.get().equals("plain") ? Optional.of(2)
                    : Optional.empty();
        }
        Optional<String> act = run.text("model.activation").map(s -> s.toLowerCase(Locale.ROOT));
        if (act.isEmpty()) {
            return Optional.empty();
        }
        if (GATED.contains(act.get())) {
            return Optional.of(3);
        }
        return PLAIN.contains(act.get()) ? Optional.of(2) : Optional.empty();
    }

    /** D from the config, or total_steps × batch_tokens (batch_tokens = batch_size × seq_len). */
    public static Optional<Double> tokens(Run run) {
        Optional<Double> given = run.number("data.tokens_total");
        if (given.isPresent()) {
            return given;
        }
        Optional<Double> steps = run.number("schedule.total_steps");
        Optional<Double> batchTokens = batchTokens(run);
        return steps.isPresent() && batchTokens.isPresent() ? Optional.of(steps.get() * batchTokens.get())
                : Optional.empty();
    }

    /** Tokens per optimizer step. */
    public static Optional<Double> batchTokens(Run run) {
        Optional<Double> given = run.number("data.batch_tokens");
        if (given.isPresent()) {
            return given;
        }
        Optional<Double> bs = run.number("data.batch_size");
        Optional<Double> seq = run.number("data.seq_len");
        return bs.isPresent() && seq.isPresent() ? Optional.of(bs.get() * seq.get()) : Optional.empty();
    }

    /** Training steps: schedule.total_steps, or D / batch tokens. */
    public static Optional<Double> totalSteps(Run run) {
        Optional<Double> given = run.number("schedule.total_steps");
        if (given.isPresent()) {
            return given;
        }
        Optional<Double> d = tokens(run);
        Optional<Double> bt = batchTokens(run);
        return d.isPresent() && bt.isPresent() ? Optional.of(Math.ceil(d.get() / bt.get())) : Optional.empty();
    }
}
