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
                "cannot determine N: no model.non_embedding_params, and model.n_layers, model.d_model,"
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
        return new Scale(n, d);
    }

    /** N from the config, or n_layers·(4·d_model² + k·d_model·d_ff) with k = 3 (gated) or 2 (plain). */
    public static Optional<Double> params(Run run) {
        Optional<Double> given = run.number("model.non_embedding_params");
        if (given.isPresent()) {
            return given;
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
