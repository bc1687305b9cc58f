package dev.ncpl.ranking;

import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the k candidates with the lowest predicted loss while candidates stream past in batches, so
 * any number of them can be ranked in memory proportional to k. The loss is the final loss, or the
 * loss at a given step or token count.
 */
public final class CandidateRanker {
    /** A ranked candidate. */
    public record Scored(Run run, double loss) {}

    private final BlendedPredictor predictor;
    private final int k;
    private final Double atStep;
    private final Double atTokens;
    private final RankBy rankBy;
    private final PredictionIntervals intervals;
    private final double level;
    private final PriorityQueue<Scored> worstFirst =
            new PriorityQueue<>(Comparator.comparingDouble(Scored::loss).reversed());
    private long seen;

    /**
     * @param atStep rank by the loss at this step (null: not used)
     * @param atTokens rank by the loss after this many tokens (null: not used); with neither, by final loss
     */
    public CandidateRanker(BlendedPredictor predictor, int k, Double atStep, Double atTokens) {
        this(predictor, k, atStep, atTokens, RankBy.MEAN, null, PredictionIntervals.DEFAULT_LEVEL);
    }

    /**
     * Ranks final losses by {@code rankBy} (an interval end needs {@code intervals}, at coverage {@code level}).
     */
    public CandidateRanker(BlendedPredictor predictor, int k, Double atStep, Double atTokens, RankBy rankBy,
                           PredictionIntervals intervals, double level) {
        if (k <= 0) {
            throw new IllegalArgumentException("--top must be positive");
        }
        if (atStep != null && atTokens != null) {
            throw new IllegalArgumentException("rank at a step or at a token count, not both");
        }
        if (rankBy != RankBy.MEAN && (atStep != null || atTokens != null)) {
            throw new IllegalArgumentException("--rank lcb and ucb rank final losses; drop --at-step / --at-tokens");
        }
        this.predictor = predictor;
        this.k = k;
        this.rankBy = rankBy;
        this.intervals = intervals;
        this.level = level;
        this.atStep = atStep;
        this.atTokens = atTokens;
    }

    /** Scores a batch of candidates and keeps the best k seen so far. */
    public void offer(List<Run> batch) {
        offer(predictor.prepare(batch));
    }

    /** Scores a prepared batch of candidates and keeps the best k seen so far. */
    public void offer(BlendedPredictor.Prepared prepared) {
        List<Run> batch = prepared.runs();
        double[] losses = scores(prepared);
        for (int i = 0; i < batch.size(); i++) {
            seen++;
            Scored s = new Scored(batch.get(i), losses[i]);
            if (worstFirst.size() < k) {
                worstFirst.add(s);
            } else if (s.loss() < worstFirst.peek().loss()) {
                worstFirst.poll();
                worstFirst.add(s);
            }
        }
    }

    private double[] scores(BlendedPredictor.Prepared batch) {
        if (atStep == null && atTokens == null) {
            return rankBy.scores(predictor, intervals, level, batch);
        }
        List<Prediction> preds = predictor.predict(batch, r -> new double[] {stepOf(r)});
        return preds.stream().mapToDouble(p -> p.losses()[0]).toArray();
    }

    private double stepOf(Run run) {
        if (atStep != null) {
            return atStep;
        }
        double bt = Scale.batchTokens(run).orElseThrow(() -> new IllegalArgumentException(run.id()
                + ": --at-tokens needs data.batch_tokens (or data.batch_size and data.seq_len)"));
        return Math.max(1, Math.round(atTokens / bt));
    }

    /** Candidates scored so far. */
    public long seen() {
        return seen;
    }

    /** The best k, best first. */
    public List<Scored> best() {
        List<Scored> out = new ArrayList<>(worstFirst);
        out.sort(Comparator.comparingDouble(Scored::loss));
        return out;
    }
}
