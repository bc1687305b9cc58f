package dev.ncpl.text;

import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.Locale;
import java.util.Set;

/**
 * The learning rate of a run at each step, from its config: linear warmup, then cosine, linear,
 * constant or warmup-stable-decay (WSD) down to the minimum learning rate ({@code schedule.min_lr},
 * or {@code schedule.min_lr_ratio} × peak; 0 when neither is given). A WSD schedule holds the peak
 * until its last {@code schedule.decay_steps} (or {@code decay_fraction}; 20% when neither is given)
 * and decays in the shape {@code schedule.decay_shape}: linear (the default), cosine, exponential
 * (geometric from peak to minimum) or step (an instant drop to the minimum). Also the cumulative
 * learning rate ("area" under the schedule), which drives how far the loss has fallen.
 */
public final class LrSchedule {
    /** Schedule kinds understood (trainers' own names are mapped onto them by {@link ScheduleDialects}). */
    public static final Set<String> KINDS = Set.of("cosine", "linear", "constant", "wsd", "inverse_sqrt", "polynomial",
            "cosine_restarts", ScheduleDialects.UNKNOWN);
    /** Decay shapes of a WSD schedule ({@code sqrt}: 1 − √progress of the way to the minimum). */
    public static final Set<String> DECAY_SHAPES = Set.of("linear", "cosine", "exponential", "step", "sqrt");
    private static final int AREA_SAMPLES = 512;

    private final String kind;
    private final double peak;
    private final double min;
    private final double warmup;
    private final double total;
    private final double decayStart;
    private final String decayShape;
    private final double power;
    private final double cycles;
    private final double timescale;
    private final double[] cumulative;
    private final boolean absolutePeak;

    /** A schedule whose WSD decay (if any) is linear. */
    public LrSchedule(String kind, double peak, double min, double warmup, double total, double decaySteps) {
        this(kind, peak, min, warmup, total, decaySteps, "linear");
    }

    public LrSchedule(String kind, double peak, double min, double warmup, double total, double decaySteps,
                      String decayShape) {
        this(kind, peak, min, warmup, total, decaySteps, decayShape, 1, 1, 0);
    }

    /**
     * A schedule of any kind: {@code power} shapes a polynomial decay, {@code cycles} counts cosine restarts, and an
     * inverse square root falls after warmup as 1/√((step + timescale − warmup) / timescale), as HuggingFace's does.
     */
    public LrSchedule(String kind, double peak, double min, double warmup, double total, double decaySteps,
                      String decayShape, double power, double cycles, double timescale) {
        this(kind, peak, min, warmup, total, decaySteps, decayShape, power, cycles, timescale, true);
    }

    private LrSchedule(String kind, double peak, double min, double warmup, double total, double decaySteps,
                       String decayShape, double power, double cycles, double timescale, boolean absolutePeak) {
        this.absolutePeak = absolutePeak;
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException(unknown("schedule", kind, KINDS));
        }
        if (!DECAY_SHAPES.contains(decayShape)) {
            throw new IllegalArgumentException(unknown("decay shape", decayShape, DECAY_SHAPES));
        }
        this.kind = kind;
        this.decayShape = decayShape;
        this.power = power;
        this.cycles = Math.max(cycles, 1e-9);
        this.timescale = timescale;
        this.peak = peak;
        this.min = min;
        this.total = Math.max(total, 1);
        this.warmup = Math.min(Math.max(warmup, 0), this.total);
        this.decayStart = kind.equals("wsd") ? Math.max(this.warmup, this.total - decaySteps) : this.warmup;
        this.cumulative = new double[AREA_SAMPLES + 1];
        double h = this.total / AREA_SAMPLES;
        double previous = lr(0);
        for (int i = 1; i <= AREA_SAMPLES; i++) {
            double current = lr(i * h);
            cumulative[i] = cumulative[i - 1] + 0.5 * h * (previous + current);
            previous = current;
        }
    }

    /**
     * The schedule of {@code run}, as ncpl's keys or a trainer's own give it ({@link ScheduleDialects}); errors name
     * the field at fault. A run without {@code optimizer.lr} (sweeps that did not publish it) gets its schedule's
     * shape with a peak of 1: every feature read from a schedule is relative to its peak, and {@link #absolutePeak()}
     * says that the rate itself is not known.
     */
    public static LrSchedule of(Run run) {
        java.util.Optional<Double> lr = run.number("optimizer.lr");
        double peak = lr.orElse(1.0);
        double total = Scale.totalSteps(run).orElseThrow(() -> new InvalidRunException(run.id(), 0,
                "schedule.total_steps", "missing, and no token budget with batch size to derive it"));
        ScheduleDialects.Spec spec;
        try {
            spec = ScheduleDialects.read(run, total);
        } catch (IllegalArgumentException e) {
            if (e instanceof InvalidRunException) {
                throw e;
            }
            throw new InvalidRunException(run.id(), 0, "schedule.decay_shape", e.getMessage());
        }
        if (lr.isEmpty() && spec.min() > 0) {
            throw new InvalidRunException(run.id(), 0, "optimizer.lr", "missing: the schedule ends at an absolute "
                    + "learning rate (" + spec.min() + "), so the peak is needed too (or give the floor relative to "
                    + "the peak, schedule.min_lr_ratio)");
        }
        return new LrSchedule(spec.kind(), peak, spec.min(peak), spec.warmup(), total, spec.decaySteps(),
                spec.decayShape(), spec.power(), spec.cycles(), spec.timescale(), lr.isPresent());
    }

    /** "unknown {what} '{value}' (known: …)", the known names sorted. */
    private static String unknown(String what, String value, Set<String> known) {
        return "unknown " + what + " '" + value + "' (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")";
    }

    /** Learning rate at {@code step}. */
    public double lr(double step) {
        if (step < warmup) {
            return peak * (step + 1) / (warmup + 1);
        }
        if (step < decayStart) {
            return peak;
        }
        double p = Math.min(1.0, (step - decayStart) / Math.max(1.0, total - decayStart));
        return switch (kind) {
            case "cosine" -> cosine(p);
            case "linear" -> peak + (min - peak) * p;
            case "wsd" -> switch (decayShape) {
                case "cosine" -> cosine(p);
                case "exponential" -> min > 0 && peak > 0 ? peak * Math.pow(min / peak, p) : peak + (min - peak) * p;
                case "step" -> step > decayStart ? min : peak;
                case "sqrt" -> min + (peak - min) * (1 - Math.sqrt(p));
                default -> peak + (min - peak) * p;
            };
            case "polynomial" -> min + (peak - min) * Math.pow(1 - p, power);
            case "cosine_restarts" -> p >= 1 ? min : min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * ((cycles * p) % 1.0)));
            case "inverse_sqrt" -> peak / Math.sqrt(Math.max(step + timescale - warmup, 1) / timescale);
            default -> peak;
        };
    }

    private double cosine(double p) {
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * p));
    }

    /** Whether the run named its schedule (kind {@link ScheduleDialects#UNKNOWN} when it did not). */
    public boolean known() {
        return !kind.equals(ScheduleDialects.UNKNOWN);
    }

    /** Whether {@link #peak()} is the run's learning rate, rather than 1 for a run that did not give it. */
    public boolean absolutePeak() {
        return absolutePeak;
    }

    /** Share of the steps spent decaying from the peak (after warmup for cosine and linear; 0 when constant). */
    public double decayFraction() {
        return kind.equals("constant") || !known() ? 0 : (total - decayStart) / total;
    }

    public String kind() {
        return kind;
    }

    /** The decay shape of a WSD schedule ({@code linear} for the other kinds, where it is unused). */
    public String decayShape() {
        return decayShape;
    }

    /** Learning rate at {@code step} relative to the peak. */
    public double relativeLr(double step) {
        return peak > 0 ? lr(step) / peak : 0;
    }

    /** ∫ lr from 0 to {@code step}, divided by the integral over the whole schedule. */
    public double areaFraction(double step) {
        double x = Math.max(0, Math.min(step, total)) / total * AREA_SAMPLES;
        int i = (int) Math.min(Math.floor(x), AREA_SAMPLES - 1);
        double v = cumulative[i] + (cumulative[i + 1] - cumulative[i]) * (x - i);
        return cumulative[AREA_SAMPLES] > 0 ? v / cumulative[AREA_SAMPLES] : 0;
    }

    /** Mean learning rate over the schedule relative to the peak. */
    public double meanRelativeLr() {
        return peak > 0 ? cumulative[AREA_SAMPLES] / total / peak : 0;
    }

    public double total() {
        return total;
    }

    public double peak() {
        return peak;
    }

    public double min() {
        return min;
    }

    public double warmup() {
        return warmup;
    }
}
