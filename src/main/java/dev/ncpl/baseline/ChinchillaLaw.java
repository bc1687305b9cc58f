package dev.ncpl.baseline;

import java.util.Locale;

/**
 * The Chinchilla scaling law L(N, D) = E + A/N^α + B/D^β, with N non-embedding parameters and D
 * training tokens. Immutable; serialised as JSON by Jackson.
 */
public record ChinchillaLaw(double e, double a, double b, double alpha, double beta) {
    /** Epoch AI's refit of Hoffmann et al.'s points: the reference values and the documented prior. */
    public static final ChinchillaLaw EPOCH_REFIT = new ChinchillaLaw(1.82, 482.01, 2085.43, 0.3478, 0.3658);

    /** Predicted loss of a model of {@code n} parameters trained on {@code d} tokens. */
    public double predict(double n, double d) {
        return e + a / Math.pow(n, alpha) + b / Math.pow(d, beta);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "L = %.4f + %.4g/N^%.4f + %.4g/D^%.4f", e, a, alpha, b, beta);
    }
}
