package dev.ncpl.ingest;

import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Recovers a run's learning-rate schedule from the learning rate its tool logged, for logs whose
 * config does not name one (a CSV export with an {@code lr} column, a TensorBoard
 * {@code learning_rate} scalar). The schedule decides the shape of the loss curve, so a run imported
 * without it would look constant to the predictor.
 *
 * <p>The minimum is where the last two logged rates point at the end of training. Warmup ends where
 * the rate first reaches its largest logged value (or at the {@code schedule.warmup_steps} already
 * known). Every schedule ncpl knows (constant; cosine or linear from the end of warmup; WSD with a
 * linear, cosine, exponential or step decay from the last step at the peak) is laid over the logged
 * rates with the peak that fits them best, and the one with the smallest mean |log ratio| is kept.
 */
public final class ScheduleInference {
    /** Relative tolerance within which a logged rate counts as the peak. */
    static final double AT_PEAK = 1e-3;

    private ScheduleInference() {}

    /**
     * The series among {@code names} that holds the learning rate ({@code lr}, {@code learning_rate},
     * {@code train/learning_rate}, Lightning's {@code lr-AdamW}), the shortest name first.
     */
    public static Optional<String> learningRateSeries(Set<String> names) {
        return names.stream().filter(ScheduleInference::isLearningRate)
                .min((a, b) -> a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b));
    }

    static boolean isLearningRate(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        String last = n.substring(n.lastIndexOf('/') + 1);
        return !n.contains("loss") && (last.equals("lr") || last.equals("learning_rate") || last.startsWith("lr-")
                || last.startsWith("lr_") || last.equals("learning-rate"));
    }

    /**
     * Schedule keys ({@code optimizer.lr}, {@code schedule.*}) that reproduce the logged rates
     * {@code lr} (step → rate) of a run of {@code totalSteps} steps; empty when there are fewer than
     * two positive rates. {@code knownWarmup} is the warmup length when the config gives it.
     */
    public static Map<String, Object> infer(TreeMap<Long, Double> lr, double totalSteps, Double knownWarmup) {
        List<Long> steps = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        lr.forEach((s, v) -> {
            if (v != null && Double.isFinite(v) && v > 0 && s >= 0) {
                steps.add(s);
                rates.add(v);
            }
        });
        Map<String, Object> out = new LinkedHashMap<>();
        if (rates.size() < 2) {
            return out;
        }
        double peak = rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double last = rates.get(rates.size() - 1);
        double total = Math.max(totalSteps, steps.get(steps.size() - 1));
        int firstPeak = -1;
        int lastPeak = -1;
        for (int i = 0; i < rates.size(); i++) {
            if (rates.get(i) >= peak * (1 - AT_PEAK)) {
                firstPeak = firstPeak < 0 ? i : firstPeak;
                lastPeak = i;
            }
        }
        double warmup = knownWarmup != null ? knownWarmup : firstPeak > 0 ? steps.get(firstPeak) : 0;
        if (knownWarmup == null && warmup > 0) {
            out.put("schedule.warmup_steps", Math.round(warmup));
        }
        if (last >= peak * (1 - AT_PEAK)) {
            out.put("optimizer.lr", peak);
            out.put("schedule.lr_schedule", "constant");
            return out;
        }
        double decayStart = lastPeak + 1 < steps.size()
                ? 0.5 * (steps.get(lastPeak) + steps.get(lastPeak + 1)) : steps.get(lastPeak);
        // the last rate is logged a little before the end: carry the last two rates' slope to the end
        int k = rates.size() - 1;
        double slope = (last - rates.get(k - 1)) / Math.max(1, steps.get(k) - steps.get(k - 1));
        double min = Math.max(0, Math.min(last, last + slope * (total - steps.get(k))));
        out.put("schedule.min_lr", min);
        LrSchedule best = null;
        double bestError = Double.POSITIVE_INFINITY;
        for (Candidate c : CANDIDATES) {
            LrSchedule candidate = fitted(c, peak, min, warmup, total, total - decayStart, steps, rates);
            double error = 0;
            int n = 0;
            for (int i = 0; i < rates.size(); i++) {
                double s = steps.get(i);
                if (s >= warmup) {
                    error += Math.abs(Math.log(Math.max(candidate.lr(s), 1e-12 * peak) / rates.get(i)));
                    n++;
                }
            }
            error /= Math.max(n, 1);
            if (error < bestError - 1e-12) {
                bestError = error;
                best = candidate;
            }
        }
        out.put("optimizer.lr", best.peak());
        out.put("schedule.lr_schedule", best.kind());
        if (best.kind().equals("wsd")) {
            out.put("schedule.decay_steps", Math.round(total - decayStart));
            out.put("schedule.decay_shape", best.decayShape());
        }
        return out;
    }

    /** A schedule kind with its decay shape (which only WSD uses). */
    private record Candidate(String kind, String decayShape) {}

    /** Standard schedules first, so that a tie keeps the simpler description. */
    private static final List<Candidate> CANDIDATES = List.of(new Candidate("cosine", "linear"),
            new Candidate("linear", "linear"), new Candidate("wsd", "linear"), new Candidate("wsd", "cosine"),
            new Candidate("wsd", "exponential"), new Candidate("wsd", "step"));

    /**
     * Candidate {@code c} with the peak that fits the logged rates after warmup best (least squares; the
     * rate is linear in the peak for every shape but the exponential, which keeps the logged peak
     * {@code loggedPeak}). A decay that starts right after warmup is already under way at the first
     * logged rate, so the largest logged rate is below the true peak.
     */
    private static LrSchedule fitted(Candidate c, double loggedPeak, double min, double warmup, double total,
                                     double decaySteps, List<Long> steps, List<Double> rates) {
        double peak = loggedPeak;
        if (!c.decayShape().equals("exponential")) {
            LrSchedule unit = new LrSchedule(c.kind(), 1, 0, warmup, total, decaySteps, c.decayShape());
            double gg = 0;
            double gr = 0;
            for (int i = 0; i < rates.size(); i++) {
                if (steps.get(i) >= warmup) {
                    double g = unit.lr(steps.get(i));
                    gg += g * g;
                    gr += g * (rates.get(i) - min);
                }
            }
            if (gg > 0) {
                peak = min + gr / gg;
            }
        }
        return new LrSchedule(c.kind(), peak, min, warmup, total, decaySteps, c.decayShape());
    }
}
