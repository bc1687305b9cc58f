package dev.ncpl.tune;

import java.util.Locale;

/**
 * The compute a tuned run may spend: a number of training tokens D, or of FLOPs C ≈ 6·N·D (then D =
 * C / (6·N) for each candidate's model size N).
 */
public record Budget(Double tokens, Double flops) {
    public Budget {
        if (tokens != null && flops != null) {
            throw new IllegalArgumentException("give a token budget or a FLOP budget, not both");
        }
        if (tokens != null && !(tokens > 0 && Double.isFinite(tokens))
                || flops != null && !(flops > 0 && Double.isFinite(flops))) {
            throw new IllegalArgumentException("a budget must be a finite positive number, got "
                    + (tokens != null ? tokens : flops));
        }
    }

    /** No budget: each candidate keeps the tokens its config gives. */
    public static Budget none() {
        return new Budget(null, null);
    }

    public boolean isSet() {
        return tokens != null || flops != null;
    }

    /** Training tokens for a model of {@code params} non-embedding parameters. */
    public double tokensFor(double params) {
        if (tokens != null) {
            return tokens;
        }
        if (flops == null) {
            throw new IllegalStateException("no budget");
        }
        return flops / (6 * params);
    }

    @Override
    public String toString() {
        return tokens != null ? String.format(Locale.ROOT, "%.3g tokens", tokens)
                : flops != null ? String.format(Locale.ROOT, "%.3g FLOPs (6·N·D)", flops) : "as configured";
    }
}
