package dev.ncpl.tune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.runs.Run;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Searches a {@link SearchSpace} over a surrogate: a scrambled Halton sample of the space (plus the
 * base config itself), then rounds of successive halving with local refinement — the better half of
 * the survivors is kept and new candidates are drawn around them in a radius that halves every round.
 * Scoring is by any function of a batch of candidates (the neural predictor's final loss, or a lower
 * confidence bound); the seed fixes every draw.
 */
public final class Tuner {
    /** A scored candidate and the searched values that made it. */
    public record Tuned(Run run, double score, Map<String, JsonNode> values) {}

    /** Scores a batch of candidates; lower is better. */
    @FunctionalInterface
    public interface Objective {
        double[] score(List<Run> candidates);
    }

    /**
     * Knobs of the search.
     *
     * @param samples quasi-random candidates of the first round, 1 to {@link #MAX_SAMPLES}
     * @param rounds rounds of halving and refinement, 0 to {@link #MAX_ROUNDS}
     * @param top distinct candidates returned, 1 to {@link #MAX_TOP}
     * @param seed fixes every draw
     */
    public record Settings(int samples, int rounds, int top, long seed) {
        public Settings {
            if (samples < 1 || samples > MAX_SAMPLES) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "samples must be 1 to %,d (every "
                        + "scored point is kept in memory), got %,d", MAX_SAMPLES, samples));
            }
            if (rounds < 0 || rounds > MAX_ROUNDS) {
                throw new IllegalArgumentException("rounds must be 0 to " + MAX_ROUNDS + " (the radius halves each "
                        + "round), got " + rounds);
            }
            if (top < 1 || top > MAX_TOP) {
                throw new IllegalArgumentException("top must be 1 to " + MAX_TOP + ", got " + top);
            }
        }
    }

    /** Most first-round samples: each scored point keeps its position and score (about 100 bytes). */
    public static final int MAX_SAMPLES = 10_000_000;
    /** Most rounds: by then the refinement radius is below the three significant digits of a value. */
    public static final int MAX_ROUNDS = 30;
    /** Most candidates returned (each keeps its whole config). */
    public static final int MAX_TOP = 100_000;

    private static final int[] PRIMES = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
        73, 79, 83, 89, 97, 101, 103, 107, 109, 113};
    /** Probability that a refined candidate redraws a choice dimension. */
    private static final double REDRAW = 0.2;
    private static final int BATCH = 256;

    private final SearchSpace space;
    private final CandidateFactory factory;
    private final Objective objective;
    private final Settings settings;
    private long evaluated;

    public Tuner(SearchSpace space, CandidateFactory factory, Objective objective, Settings settings) {
        if (space.size() > PRIMES.length) {
            throw new IllegalArgumentException("at most " + PRIMES.length + " searched keys");
        }
        this.space = space;
        this.factory = factory;
        this.objective = objective;
        this.settings = settings;
    }

    /** Candidates scored so far. */
    public long evaluated() {
        return evaluated;
    }

    /**
     * Runs the search and returns the best {@link Settings#top()} distinct candidates, best first.
     * {@code progress} receives the number of candidates scored by each batch.
     */
    public List<Tuned> run(java.util.function.LongConsumer progress) {
        Random rnd = new Random(settings.seed());
        int d = space.size();
        double[] shift = new double[d];
        for (int j = 0; j < d; j++) {
            shift[j] = rnd.nextDouble();
        }
        List<double[]> points = new ArrayList<>();
        points.add(baseUnit());
        for (int i = 1; i <= settings.samples(); i++) {
            double[] u = new double[d];
            for (int j = 0; j < d; j++) {
                u[j] = (halton(i, PRIMES[j]) + shift[j]) % 1.0;
            }
            points.add(u);
        }
        List<Scored> seen = new ArrayList<>(score(points, progress));
        List<Scored> pool = best(seen, Math.max(settings.top(), settings.samples() / 4));
        for (int round = 1; round <= settings.rounds(); round++) {
            double radius = 0.25 / (1 << round);
            List<double[]> children = new ArrayList<>();
            int n = Math.max(settings.top(), settings.samples() / 2);
            for (int i = 0; i < n; i++) {
                children.add(perturb(pool.get(i % pool.size()).unit, radius, rnd));
            }
            List<Scored> scored = score(children, progress);
            seen.addAll(scored);
            List<Scored> merged = new ArrayList<>(pool);
            merged.addAll(scored);
            pool = best(merged, Math.max(settings.top(), pool.size() / 2));
        }
        List<Tuned> out = new ArrayList<>();
        Set<Map<String, JsonNode>> distinct = new HashSet<>();
        for (Scored s : best(seen, seen.size())) {
            if (out.size() == settings.top()) {
                break;
            }
            Map<String, JsonNode> values = values(s.unit);
            if (distinct.add(values)) {
                out.add(new Tuned(candidate(s.index, s.unit), s.score, values));
            }
        }
        return out;
    }

    /** A scored point: its position in the unit cube, its score and its candidate number (for the run's id). */
    private record Scored(double[] unit, double score, long index) {}

    private List<Scored> score(List<double[]> points, java.util.function.LongConsumer progress) {
        List<Scored> out = new ArrayList<>(points.size());
        for (int start = 0; start < points.size(); start += BATCH) {
            List<double[]> chunk = points.subList(start, Math.min(points.size(), start + BATCH));
            List<Run> runs = new ArrayList<>(chunk.size());
            for (double[] u : chunk) {
                runs.add(candidate(evaluated + runs.size(), u));
            }
            double[] s = objective.score(runs);
            for (int i = 0; i < chunk.size(); i++) {
                out.add(new Scored(chunk.get(i), Double.isFinite(s[i]) ? s[i] : Double.POSITIVE_INFINITY, evaluated + i));
            }
            evaluated += chunk.size();
            progress.accept(chunk.size());
        }
        return out;
    }

    /** The candidate at {@code u}, numbered {@code index} in its id. */
    private Run candidate(long index, double[] u) {
        return factory.build(factory.base().id() + "#" + index, values(u));
    }

    private Map<String, JsonNode> values(double[] u) {
        Map<String, JsonNode> v = new LinkedHashMap<>();
        for (int j = 0; j < u.length; j++) {
            Dimension dim = space.dimensions().get(j);
            v.put(dim.key(), dim.value(u[j]));
        }
        return v;
    }

    private double[] baseUnit() {
        double[] u = new double[space.size()];
        for (int j = 0; j < u.length; j++) {
            Dimension dim = space.dimensions().get(j);
            u[j] = dim.unit(factory.base().get(dim.key()).orElse(null));
        }
        return u;
    }

    private double[] perturb(double[] parent, double radius, Random rnd) {
        double[] u = parent.clone();
        for (int j = 0; j < u.length; j++) {
            if (space.dimensions().get(j).isChoice()) {
                if (rnd.nextDouble() < REDRAW) {
                    u[j] = rnd.nextDouble();
                }
            } else {
                u[j] = Math.max(0, Math.min(1, u[j] + radius * rnd.nextGaussian()));
            }
        }
        return u;
    }

    private static List<Scored> best(List<Scored> all, int k) {
        return all.stream().sorted(Comparator.comparingDouble(Scored::score))
                .limit(k).toList();
    }

    /** The i-th element of the van der Corput sequence in base {@code b}. */
    static double halton(int i, int b) {
        double f = 1;
        double r = 0;
        for (int n = i; n > 0; n /= b) {
            f /= b;
            r += f * (n % b);
        }
        return r;
    }
}
