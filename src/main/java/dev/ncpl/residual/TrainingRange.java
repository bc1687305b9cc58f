package dev.ncpl.residual;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/**
 * The model sizes, token budgets and expert densities a source's training runs span, in natural logs, and how far
 * a run lies beyond them. Beyond them a prediction extrapolates: its intervals widen ({@link
 * PredictionIntervals}) and, beyond the sizes and budgets, the network's share in the final loss fades ({@link
 * ResidualModels}).
 *
 * @param logParams {min, max} of ln N over the runs; null when none resolves N
 * @param logTokens {min, max} of ln D over the runs; null when none resolves D
 * @param logActiveShare {min, max} of ln of the share of experts each token uses ({@link Scale#activeShare}; 0 for
 *     dense runs); null in ranges saved before it was kept, which do not widen for density
 */
public record TrainingRange(@JsonProperty("log_params") double[] logParams,
                            @JsonProperty("log_tokens") double[] logTokens,
                            @JsonProperty("log_active_share") double[] logActiveShare) {
    @JsonCreator
    public TrainingRange {}

    /** A range of sizes and budgets alone (no density side). */
    public TrainingRange(double[] logParams, double[] logTokens) {
        this(logParams, logTokens, null);
    }

    /** The range of {@code runs}; runs whose N, D or density does not resolve are left out of that side. */
    public static TrainingRange of(Collection<Run> runs) {
        return new TrainingRange(logRange(runs, Scale::params), logRange(runs, Scale::tokens),
                logRange(runs, Scale::activeShare));
    }

    private static double[] logRange(Collection<Run> runs, Function<Run, Optional<Double>> value) {
        double[] logs = runs.stream().map(value).flatMap(Optional::stream).filter(v -> v > 0)
                .mapToDouble(Math::log).toArray();
        if (logs.length == 0) {
            return null;
        }
        return new double[] {Arrays.stream(logs).min().getAsDouble(), Arrays.stream(logs).max().getAsDouble()};
    }

    /**
     * How far (in ln N plus ln D plus ln of the expert density) {@code run} lies outside this range; an unresolved
     * side counts 0.
     */
    public double distance(Run run) {
        return paramsOutside(run) + tokensOutside(run) + densityOutside(run);
    }

    /**
     * How far (in ln) {@code run}'s expert density ({@link Scale#activeShare}) lies outside this range: a mixture of
     * experts denser or sparser than any training run, or one of a source trained on dense runs only; 0 when either
     * is unknown.
     */
    public double densityOutside(Run run) {
        return Scale.activeShare(run).map(s -> outside(s, logActiveShare)).orElse(0.0);
    }

    /** How far (in ln N plus ln D) a run of {@code scale} lies outside this range. */
    public double distance(Scale scale) {
        return outside(scale.params(), logParams) + outside(scale.tokens(), logTokens);
    }

    /** How far (in ln N) {@code run}'s model size lies outside this range; 0 when either is unknown. */
    public double paramsOutside(Run run) {
        return Scale.params(run).map(n -> outside(n, logParams)).orElse(0.0);
    }

    /** How far (in ln D) {@code run}'s token budget lies outside this range; 0 when either is unknown. */
    public double tokensOutside(Run run) {
        return Scale.tokens(run).map(d -> outside(d, logTokens)).orElse(0.0);
    }

    private static double outside(double value, double[] range) {
        if (range == null || !(value > 0)) {
            return 0;
        }
        double v = Math.log(value);
        return Math.max(0, Math.max(v - range[1], range[0] - v));
    }
}
