package dev.ncpl.runs;

import java.util.Locale;
import java.util.Set;

/**
 * Which optimizers precondition or orthogonalise whole weight matrices (Muon, Scion, SOAP, Kron/PSGD, Shampoo)
 * rather than scale each coordinate (AdamW, Lion, Sophia, …). Marin's optimizer study (Wen et al. 2025,
 * "Fantastic Pretraining Optimizers and Where to Find Them") found the matrix-based ones fastest at small
 * scale, with a lead that shrinks as models and budgets grow: a budget at which one of them has no training
 * run is better guessed from the others of its family than from the average optimizer. The residual trees
 * read the family as an input ({@code ResidualModels.DERIVED}), and networks trained with the {@code
 * optimizer_family} extra a derived line ({@code DerivedExtra}); an optimizer not listed counts as per-coordinate.
 */
public final class OptimizerFamily {
    /** Matrix-based optimizers, lower case. */
    public static final Set<String> MATRIX_BASED = Set.of("muon", "scion", "soap", "kron", "psgd", "shampoo");

    private OptimizerFamily() {
    }

    /** Whether {@code optimizer} (any case) is one of the {@link #MATRIX_BASED}. */
    public static boolean matrixBased(String optimizer) {
        return MATRIX_BASED.contains(optimizer.toLowerCase(Locale.ROOT));
    }
}
