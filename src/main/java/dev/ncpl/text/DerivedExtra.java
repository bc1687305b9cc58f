package dev.ncpl.text;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Derived lines a recipe may add to the serialized config beyond the standard ones ({@code derived_extras}).
 * They change the text a network reads, so the choice is saved with the model ({@code derivedExtras} in
 * {@code model.json}), and a model trained without them keeps reading exactly the text it was trained on.
 *
 * <ul>
 *   <li>{@link #LR_WEIGHT_DECAY}: {@code derived.lr_weight_decay} (peak lr × weight decay, the share of the
 *       weights a decoupled decay takes each step at peak) and {@code derived.lr_weight_decay_tokens_per_param}
 *       (that times D/N, how much of it a run spends per unit of data); where either factor is zero or absent
 *       there is no such line. The residual trees read the same two quantities.</li>
 *   <li>{@link #OPTIMIZER_FAMILY}: {@code derived.optimizer_family: matrix} or {@code per_coordinate}
 *       ({@link dev.ncpl.runs.OptimizerFamily}), so that an optimizer at a budget where it has no training run
 *       can borrow from its family.</li>
 * </ul>
 */
public enum DerivedExtra {
    /** Peak lr × weight decay, alone and times tokens per parameter. */
    LR_WEIGHT_DECAY,
    /** Whether the optimizer is matrix-based. */
    OPTIMIZER_FAMILY;

    /** The recipe's and manifest's name for it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a recipe or manifest list; null (absent, as in models trained before extras existed) is none. */
    public static Set<DerivedExtra> of(Collection<String> ids) {
        Set<DerivedExtra> out = EnumSet.noneOf(DerivedExtra.class);
        if (ids == null) {
            return out;
        }
        for (String id : ids) {
            out.add(parse(id));
        }
        return out;
    }

    /** The ids of {@code extras}, in declaration order. */
    public static List<String> ids(Set<DerivedExtra> extras) {
        return Arrays.stream(values()).filter(extras::contains).map(DerivedExtra::id).toList();
    }

    private static DerivedExtra parse(String id) {
        for (DerivedExtra e : values()) {
            if (e.id().equals(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown derived extra '" + id + "' (known: "
                + Arrays.stream(values()).map(DerivedExtra::id).toList() + ")");
    }
}
