package dev.ncpl.study;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Which runs of a left-out source a new-source study gives the model and which it scores. Two variants, as users
 * meet a new source: {@link #RANDOM} (k runs drawn at random from the source, the rest scored) and {@link
 * #SMALLEST} (k runs drawn from the source's smallest model sizes, its largest size scored: pilot runs before the
 * big one). Draws are seeded and independent of the order of the run files.
 */
public final class NewSourceDraws {
    /** k runs drawn at random from the source; every other run of the source is scored. */
    public static final String RANDOM = "random";
    /** k runs drawn from the source's smallest sizes; every run of its largest size is scored. */
    public static final String SMALLEST = "smallest-sizes";

    private NewSourceDraws() {}

    /** One draw: the runs given (k of them; none for k = 0) and the runs scored. */
    public record Draw(String source, String variant, int k, int draw, List<Run> given, List<Run> scored) {}

    /**
     * {@code draws} random draws of {@code k} runs from {@code runs} (all of one source), each scoring the others;
     * a single draw with nothing given for k = 0, and none where the source has no run left to score.
     */
    public static List<Draw> random(String source, List<Run> runs, int k, int draws, long seed) {
        List<Run> sorted = byId(runs);
        if (k == 0) {
            return List.of(new Draw(source, RANDOM, 0, 0, List.of(), sorted));
        }
        if (sorted.size() <= k) {
            return List.of();
        }
        List<Draw> out = new ArrayList<>();
        for (int d = 0; d < draws; d++) {
            List<Run> shuffled = new ArrayList<>(sorted);
            Collections.shuffle(shuffled, new Random(drawSeed(seed, source, k, d)));
            out.add(new Draw(source, RANDOM, k, d, List.copyOf(shuffled.subList(0, k)),
                    byId(shuffled.subList(k, shuffled.size()))));
        }
        return out;
    }

    /**
     * {@code draws} draws of {@code k} runs from the smallest sizes of the source, each scoring every run of its
     * largest size. The pool drawn from takes the sizes in increasing order until it holds at least 2k runs (or
     * every size but the largest), so the k runs span as few sizes as a pilot sweep would. None where the source
     * has a single size or fewer than k runs below its largest.
     */
    public static List<Draw> smallestSizes(String source, List<Run> runs, int k, int draws, long seed) {
        TreeSet<Double> sizes = new TreeSet<>();
        runs.forEach(r -> Scale.params(r).ifPresent(sizes::add));
        if (k == 0 || sizes.size() < 2) {
            return List.of();
        }
        double largest = sizes.last();
        List<Run> scored = byId(runs.stream().filter(r -> size(r) == largest).toList());
        List<Run> pool = new ArrayList<>();
        for (double size : sizes.headSet(largest, false)) {
            if (pool.size() >= 2 * k) {
                break;
            }
            pool.addAll(byId(runs.stream().filter(r -> size(r) == size).toList()));
        }
        if (pool.size() < k) {
            return List.of();
        }
        List<Draw> out = new ArrayList<>();
        for (int d = 0; d < draws; d++) {
            List<Run> shuffled = new ArrayList<>(pool);
            Collections.shuffle(shuffled, new Random(drawSeed(seed, source, k, d) ^ 0x5DEECE66DL));
            out.add(new Draw(source, SMALLEST, k, d, List.copyOf(shuffled.subList(0, k)), scored));
        }
        return out;
    }

    private static double size(Run r) {
        return Scale.params(r).orElse(Double.NaN);
    }

    private static List<Run> byId(List<Run> runs) {
        List<Run> out = new ArrayList<>(runs);
        out.sort(Comparator.comparing(Run::id));
        return List.copyOf(out);
    }

    /** A draw's seed, from the study's seed, the source, k and the draw's number. */
    private static long drawSeed(long seed, String source, int k, int draw) {
        return seed * 1_000_003L + source.hashCode() * 31L + k * 7919L + draw;
    }
}
