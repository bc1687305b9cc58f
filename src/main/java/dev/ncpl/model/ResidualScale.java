package dev.ncpl.model;

import dev.ncpl.baseline.ChinchillaLaw;
import java.util.Locale;

/**
 * The unit the final-loss residual over the Chinchilla law is measured in, chosen by the recipe and saved
 * with the model (the weights only make sense in the unit they were trained in).
 *
 * <p>{@link #DATA_TERM} measures it in the law's data term B/D^β: final loss = L(N, D) + (B/D^β)·r, so
 * the network learns r, how much a config's choices stretch or shrink the data term, and the residual
 * keeps Chinchilla's dependence on tokens when the budget moves. An optimizer that gets more out of each
 * token shows as a constant r, whereas in {@link #NONE}'s absolute units its gain would have to be learnt
 * again at every budget: Marin's in_val runs hold Kron and Muon at budgets their training runs lack,
 * and absolute residuals carried the gain seen at 10 B tokens unchanged to 2.7 B. Measured on the full recipes
 * (docs/experiments.md, "Choosing the recipe by how it extrapolates"): better in distribution, worse than Chinchilla on Step
 * Law's held-back size, so the shipped recipes keep {@link #NONE}.
 */
public enum ResidualScale {
    /** Residuals in loss units (models trained before the choice existed). */
    NONE,
    /** Residuals in units of the law's data term B/D^β. */
    DATA_TERM;

    /** Smallest unit, so that a law without a data term (B = 0) does not divide by zero. */
    static final double FLOOR = 1e-4;

    /** The unit of the final-loss residual of a run of {@code tokens} tokens under {@code law}. */
    public double unit(ChinchillaLaw law, double tokens) {
        return this == NONE ? 1.0 : Math.max(FLOOR, law.b() / Math.pow(tokens, law.beta()));
    }

    /** The recipe's and manifest's name for it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a recipe or manifest value; null (absent) is {@link #NONE}. */
    public static ResidualScale of(String id) {
        if (id == null) {
            return NONE;
        }
        for (ResidualScale s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown residual scale '" + id + "' (none or data_term)");
    }
}
