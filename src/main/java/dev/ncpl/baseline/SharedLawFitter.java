package dev.ncpl.baseline;

import dev.ncpl.math.Stats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fits one Chinchilla law to several sources at once: the size and data terms (A, α, B, β) shared, each
 * source with its own constant E. The law that serves a source nobody has seen is this shared law with E
 * the mean of the sources' constants.
 *
 * <p>Why: sources differ most in their level (another dataset, tokenizer or metric moves every loss by
 * the same amount), and a single law fitted through all their runs together reads that level difference
 * as a size effect whenever the sources' model sizes differ. Measured on the shared logs, each source
 * left out in turn and predicted by the law of the others: one law through all runs gave final-loss
 * MAE 0.73 (Marin), 0.69 (Step Law) and 7.6 (open_lm, a size exponent above 1), the shared law 0.37,
 * 0.68 and 0.34; on the Multi-Power Law runs, which no model here trained on, 0.95 against 0.17.
 *
 * <p>The fit alternates: the ordinary fit ({@link ChinchillaFitter}) on every run with its source's
 * offset taken off its loss, then each offset set to the median of its source's residuals over that
 * law, centred on zero, until the offsets stop moving.
 */
public final class SharedLawFitter {
    /** Alternations at most. */
    static final int MAX_ROUNDS = 10;
    /** Offsets that move less than this (in loss) have converged. */
    static final double TOLERANCE = 1e-4;

    private final ChinchillaFitter fitter;

    public SharedLawFitter(ChinchillaFitter fitter) {
        this.fitter = fitter;
    }

    /**
     * The shared law and each source's offset from its E.
     *
     * @param fit the law, E being the mean of the sources' constants (at least 0), with what had to be fixed
     * @param offsets each source's constant minus the law's E
     */
    public record Shared(ChinchillaFitter.Fit fit, Map<String, Double> offsets) {}

    /** Fits the shared law to the points of each source; a single source gets its ordinary fit. */
    public Shared fit(Map<String, List<ChinchillaFitter.Point>> bySource) {
        if (bySource.isEmpty()) {
            throw new IllegalArgumentException("cannot fit a scaling law to no sources");
        }
        Map<String, Double> offsets = new TreeMap<>();
        bySource.keySet().forEach(s -> offsets.put(s, 0.0));
        ChinchillaFitter.Fit fit = null;
        ChinchillaLaw law = null;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<ChinchillaFitter.Point> shifted = new ArrayList<>();
            bySource.forEach((s, pts) -> {
                double off = offsets.get(s);
                for (ChinchillaFitter.Point p : pts) {
                    shifted.add(new ChinchillaFitter.Point(p.params(), p.tokens(), p.loss() - off));
                }
            });
            fit = fitter.fit(shifted);
            if (bySource.size() == 1) {
                return new Shared(fit, Map.copyOf(offsets));
            }
            ChinchillaLaw l = fit.law();
            Map<String, Double> level = new TreeMap<>();
            bySource.forEach((s, pts) -> level.put(s, Stats.median(pts.stream()
                    .mapToDouble(p -> p.loss() - l.predict(p.params(), p.tokens())).toArray())));
            double mean = level.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
            law = new ChinchillaLaw(l.e() + mean, l.a(), l.b(), l.alpha(), l.beta());
            double moved = 0;
            for (Map.Entry<String, Double> e : level.entrySet()) {
                double next = e.getValue() - mean;
                moved = Math.max(moved, Math.abs(next - offsets.get(e.getKey())));
                offsets.put(e.getKey(), next);
            }
            // the next round fits on points shifted by the new offsets, so its E lands near this law's
            if (moved < TOLERANCE) {
                break;
            }
        }
        List<String> notes = new ArrayList<>(fit.notes());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "A, alpha, B, beta shared by %d sources, each with its own E; E is their mean (offsets:", offsets.size()));
        offsets.forEach((s, o) -> sb.append(String.format(Locale.ROOT, " %s %+.3f", s, o)));
        notes.add(sb.append(")").toString());
        if (law.e() < 0) {
            notes.add(String.format(Locale.ROOT, "E %.4f raised to 0", law.e()));
            law = new ChinchillaLaw(0, law.a(), law.b(), law.alpha(), law.beta());
        }
        return new Shared(new ChinchillaFitter.Fit(law, fit.objective(), fit.points(), fit.distinctParams(),
                fit.distinctTokens(), List.copyOf(notes)), Map.copyOf(offsets));
    }

}
