package dev.ncpl.model;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.ConfigSerializer;
import dev.ncpl.text.ConfigTokenizer;
import dev.ncpl.text.DerivedExtra;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.text.LrSchedule;
import dev.ncpl.text.NumericScaler;
import dev.ncpl.text.SerializedConfig;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns runs into {@link RunFeatures} and positions within a run into curve-query features. Shared
 * by training and prediction so the two can never disagree.
 *
 * <p>Query features of a step t in a run of T steps: fraction t/T, log of it, learning rate at t
 * relative to the peak, fraction of the schedule's learning-rate area already spent, how far the
 * rate has decayed from its peak after warmup, and the scaled log of tokens seen.
 */
public final class FeatureExtractor {
    /** Number of query features. */
    public static final int QUERY_FEATURES = 6;
    /** Positions before this fraction of training are not trained on, and queried as if at it. */
    public static final double MIN_FRACTION = 0.05;

    private final ConfigTokenizer tokenizer;
    private final NumericScaler scaler;
    private final Baseline baseline;
    private final ResidualScale residualScale;
    private final Set<DerivedExtra> extras;

    /** {@code extras}: the derived lines beyond the standard ones that the network reads ({@link DerivedExtra}). */
    public FeatureExtractor(ConfigTokenizer tokenizer, NumericScaler scaler, Baseline baseline,
                            ResidualScale residualScale, Set<DerivedExtra> extras) {
        this.tokenizer = tokenizer;
        this.scaler = scaler;
        this.baseline = baseline;
        this.residualScale = residualScale;
        this.extras = Set.copyOf(extras);
    }

    public RunFeatures features(Run run) {
        Scale s = Scale.of(run);
        LrSchedule schedule = LrSchedule.of(run);
        double bt = Scale.batchTokens(run).orElse(s.tokens() / schedule.total());
        ChinchillaLaw law = baseline.law(run.source());
        SerializedConfig serialized = ConfigSerializer.serialize(run, schedule, extras);
        EncodedConfig encoded = tokenizer.encode(serialized, scaler);
        LinkedHashSet<String> unfamiliar = new LinkedHashSet<>(scaler.outsideTrainingRange(serialized));
        unfamiliar.addAll(tokenizer.unseenFields(serialized));
        if (run.metric().isEmpty()) {
            // a candidate that names no metric is not outside the training range in it: it gave none
            unfamiliar.remove("metric");
        }
        return new RunFeatures(run.id(), encoded, s.params(), s.tokens(), bt, law, schedule,
                residualScale.unit(law, s.tokens()), List.copyOf(unfamiliar));
    }

    /** Fraction of training at {@code step}, floored at {@link #MIN_FRACTION}. */
    public static double fraction(RunFeatures f, double step) {
        return Math.max(MIN_FRACTION, Math.min(1.0, step / f.schedule().total()));
    }

    /** Query features of {@code step} in the run. */
    public float[] query(RunFeatures f, double step) {
        double frac = fraction(f, step);
        double t = frac * f.schedule().total();
        LrSchedule s = f.schedule();
        double rel = s.relativeLr(t);
        return new float[] {
            (float) frac,
            (float) Math.log(frac),
            (float) rel,
            (float) s.areaFraction(t),
            (float) (t > s.warmup() ? 1 - rel : 0),
            (float) scaler.scaleUnclamped("derived.tokens", t * f.batchTokens())
        };
    }

    /** The Chinchilla baseline at {@code step}: L(N, tokens seen), the reference the curve head corrects. */
    public static double curveBaseline(RunFeatures f, double step) {
        double t = fraction(f, step) * f.schedule().total();
        return f.law().predict(f.params(), Math.max(1, t) * f.batchTokens());
    }
}
