package dev.ncpl.curve;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Run;
import dev.ncpl.settings.PosthocSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a trained network's curves lean on, fitted after the network on its training runs: the
 * observed-prefix conditioner (runs in progress, {@value PrefixConditioner#FILE}) and the curve shape
 * ({@value CurveShape#FILE}). Either may be null in a model folder written before it existed.
 */
public record CurveModels(PrefixConditioner prefix, CurveShape shape) {
    /**
     * Fits both on {@code runs} (whose optimizer the network knows) over {@code baseline} as {@code settings} say: the
     * conditioner's members and the shape, whose trees read the network's config-only final losses {@code
     * networkFinals}; {@code seed} fixes the random cuts.
     */
    public static CurveModels fit(List<Run> runs, Baseline baseline, long seed, Map<Run, Double> networkFinals,
                                  PosthocSettings.Curves settings) {
        return new CurveModels(PrefixConditioner.fit(runs, baseline, seed, settings.prefixMembers(),
                PrefixConditioner.Pairs.CUTS_FORWARD, networkFinals::get, settings),
                CurveShape.fit(runs, baseline, seed, networkFinals::get, settings));
    }

    /** The curve models saved in {@code modelDir}; a missing file gives a null part. */
    public static CurveModels loadIfPresent(Path modelDir) throws IOException {
        return new CurveModels(PrefixConditioner.loadIfPresent(modelDir), CurveShape.loadIfPresent(modelDir));
    }

    /**
     * These models under {@code parent}'s: the parent's laws are kept for the sources it knows (they
     * learnt from more runs than a fine-tuning brings), these serve the new sources and whatever the
     * parent lacks.
     */
    public CurveModels under(CurveModels parent) {
        return new CurveModels(parent.prefix() == null ? prefix : parent.prefix().withNewSources(prefix),
                parent.shape() == null ? shape : parent.shape().withNewSources(shape));
    }

    /** Writes both into {@code modelDir}, each atomically (a null part, none learnt from runs without curves: no file). */
    public void save(Path modelDir) throws IOException {
        if (prefix != null) {
            prefix.save(modelDir.resolve(PrefixConditioner.FILE));
        }
        if (shape != null) {
            shape.save(modelDir.resolve(CurveShape.FILE));
        }
    }
}
