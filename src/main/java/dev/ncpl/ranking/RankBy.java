package dev.ncpl.ranking;

import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.runs.Run;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.util.List;
import java.util.Locale;

/**
 * What a candidate is ranked by: its predicted final loss, or an end of its prediction interval — the
 * lower bound (optimistic: favours candidates the predictor is unsure of, the usual acquisition for a
 * search that should explore) or the upper bound (conservative: favours candidates that are good for sure).
 */
public enum RankBy {
    MEAN, LCB, UCB;

    /** Parses {@code mean}, {@code lcb} or {@code ucb}. */
    public static RankBy parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rank must be mean, lcb or ucb, got '" + s + "'");
        }
    }

    /** What the ranked column means, for tables. */
    public String describe(double level) {
        return switch (this) {
            case MEAN -> "predicted final loss";
            case LCB -> String.format(Locale.ROOT, "lower end of the %.0f%% interval of the final loss", level * 100);
            case UCB -> String.format(Locale.ROOT, "upper end of the %.0f%% interval of the final loss", level * 100);
        };
    }

    /**
     * Scores prepared candidates (lower is better).
     *
     * @param intervals the model's prediction intervals; required unless ranking by the mean
     */
    public double[] scores(BlendedPredictor predictor, PredictionIntervals intervals, double level,
                           BlendedPredictor.Prepared prepared) {
        BlendedPredictor.Finals finals = predictor.finals(prepared);
        if (this == MEAN) {
            return finals.mean();
        }
        if (intervals == null) {
            throw new IllegalArgumentException("--rank " + name().toLowerCase(Locale.ROOT) + " needs a model with "
                    + "prediction intervals (" + PredictionIntervals.FILE + "; fit them with `ncpl calibrate`)");
        }
        List<Run> runs = prepared.runs();
        double[] out = new double[runs.size()];
        for (int i = 0; i < out.length; i++) {
            PredictionIntervals.Interval iv = intervals.finalInterval(runs.get(i), finals.mean()[i], finals.spread()[i], level);
            out[i] = this == LCB ? iv.lo() : iv.hi();
        }
        return out;
    }
}
