package dev.ncpl.text;

import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a run's learning-rate schedule as common trainers log it and maps it onto ncpl's schedule, exactly where the
 * shape is known and with a message naming the keys to add where it is not:
 * <ul>
 *   <li>ncpl's own {@code schedule.lr_schedule} (cosine, linear, constant, wsd) with {@code warmup_steps} or
 *       {@code warmup_fraction}, {@code min_lr} or {@code min_lr_ratio}, {@code decay_steps} or
 *       {@code decay_fraction} and {@code decay_shape};</li>
 *   <li>HuggingFace's {@code lr_scheduler_type} (linear, cosine, cosine_with_min_lr, constant,
 *       constant_with_warmup, warmup_stable_decay, inverse_sqrt, polynomial, cosine_with_restarts) with
 *       {@code warmup_ratio} and the scheduler's own arguments ({@code min_lr}, {@code min_lr_rate},
 *       {@code num_decay_steps}, {@code decay_type}, {@code power}, {@code lr_end}, {@code num_cycles},
 *       {@code timescale}), at {@code schedule.} or under {@code schedule.lr_scheduler_kwargs.};</li>
 *   <li>nanochat's {@code warmup_stable_warmdown} with {@code warmdown_ratio} and {@code final_lr_ratio} (or
 *       {@code final_lr_frac});</li>
 *   <li>Megatron's {@code lr_decay_style} (constant, linear, cosine, inverse-square-root, WSD) with
 *       {@code lr_wsd_decay_style}, {@code lr_warmup_fraction} or {@code lr_warmup_iters}, {@code min_lr},
 *       {@code lr_decay_iters} and {@code lr_wsd_decay_iters};</li>
 *   <li>torchtitan's {@code lr_scheduler} section: {@code warmup_steps}, {@code decay_ratio}, {@code decay_type}
 *       (linear, sqrt, cosine) and {@code min_lr_factor}.</li>
 * </ul>
 * A run that names no schedule at all has the kind {@link #UNKNOWN}. The README's table lists the mapping.
 */
public final class ScheduleDialects {
    /**
     * The kind of a run that names no schedule (public sweeps that did not publish it): the network reads no
     * schedule line for it, and its query features are those of a rate that does not change.
     */
    public static final String UNKNOWN = "unknown";

    private ScheduleDialects() {}

    /**
     * A schedule in ncpl's terms, every length in steps.
     *
     * @param kind cosine, linear, constant, wsd, inverse_sqrt, polynomial, cosine_restarts or {@link #UNKNOWN}
     * @param warmup warmup steps
     * @param decaySteps steps of a WSD schedule's decay
     * @param decayShape the decay of a WSD schedule: linear, cosine, exponential, step or sqrt (1 − √progress)
     * @param min the learning rate the decay ends at, or NaN when it is given relative to the peak
     * @param minRatio the end of the decay relative to the peak (used where {@code min} is NaN), or NaN
     * @param power a polynomial decay's power
     * @param cycles the cosine restarts' number of cycles
     * @param timescale an inverse square root's timescale (the step from which the lr falls as 1/√step)
     */
    public record Spec(String kind, double warmup, double decaySteps, String decayShape, double min, double minRatio,
                       double power, double cycles, double timescale) {
        /** The end of the decay for a peak learning rate of {@code peak}: absolute, else relative, else 0. */
        double min(double peak) {
            return !Double.isNaN(min) ? min : !Double.isNaN(minRatio) ? minRatio * peak : 0;
        }
    }

    /** Whether {@code run} names its schedule in any dialect read here (a run that does not has kind {@link #UNKNOWN}). */
    public static boolean namesSchedule(Run run) {
        return text(run, "schedule.lr_decay_style", "schedule.decay_style", "schedule.lr_schedule",
                "schedule.lr_scheduler_type").isPresent() || run.get("lr_scheduler").isPresent();
    }

    /**
     * The schedule of {@code run}, its {@code total} steps known; errors name the run and the field at fault.
     *
     * @throws InvalidRunException for a kind no dialect knows, or one whose shape needs a key the run lacks
     */
    public static Spec read(Run run, double total) {
        Optional<String> megatron = text(run, "schedule.lr_decay_style", "schedule.decay_style");
        if (megatron.isPresent()) {
            return megatron(run, megatron.get(), total);
        }
        if (run.get("lr_scheduler").isPresent() && run.text("schedule.lr_schedule").isEmpty()) {
            return torchtitan(run, total);
        }
        String field = run.text("schedule.lr_schedule").isPresent() ? "schedule.lr_schedule"
                : run.text("schedule.lr_scheduler_type").isPresent() ? "schedule.lr_scheduler_type"
                : "schedule.lr_schedule";
        if (run.text(field).isEmpty()) {
            // no trainer's schedule key: the run's schedule is not known, and nothing is assumed of it
            return spec(UNKNOWN, warmup(run, total), 0, "linear", 0, Double.NaN);
        }
        String kind = run.text(field).orElseThrow().toLowerCase(Locale.ROOT).replace('-', '_');
        double warmup = warmup(run, total);
        double min = number(run, "schedule.min_lr", "schedule.lr_scheduler_kwargs.min_lr").orElse(Double.NaN);
        double ratio = number(run, "schedule.min_lr_ratio", "schedule.min_lr_rate",
                "schedule.lr_scheduler_kwargs.min_lr_rate", "schedule.lr_scheduler_kwargs.min_lr_ratio")
                .orElse(Double.NaN);
        double decay = number(run, "schedule.decay_steps", "schedule.num_decay_steps",
                "schedule.lr_scheduler_kwargs.num_decay_steps").orElse(
                number(run, "schedule.decay_fraction").map(f -> f * total).orElse(Double.NaN));
        String shape = text(run, "schedule.decay_shape", "schedule.decay_type", "schedule.lr_scheduler_kwargs.decay_type")
                .map(ScheduleDialects::shape).orElse("linear");
        return switch (kind) {
            case "cosine", "linear" -> spec(kind, warmup, 0, "linear", min, ratio);
            case "constant" -> spec("constant", field.equals("schedule.lr_scheduler_type") ? 0 : warmup, 0, "linear",
                    0, Double.NaN);
            case "constant_with_warmup" -> spec("constant", warmup, 0, "linear", 0, Double.NaN);
            case "cosine_with_min_lr" -> {
                if (Double.isNaN(min) && Double.isNaN(ratio)) {
                    throw missing(run, field, kind, "schedule.min_lr or schedule.min_lr_rate");
                }
                yield spec("cosine", warmup, 0, "linear", min, ratio);
            }
            case "wsd", "warmup_stable_decay" -> {
                if (Double.isNaN(decay)) {
                    if (kind.equals("warmup_stable_decay")) {
                        throw missing(run, field, kind, "schedule.num_decay_steps (or schedule.decay_fraction)");
                    }
                    decay = 0.2 * total; // ncpl's own wsd: the documented default of a fifth
                }
                yield spec("wsd", warmup, decay, shape, min, ratio);
            }
            case "warmup_stable_warmdown" -> {
                Optional<Double> warmdown = number(run, "schedule.warmdown_ratio", "schedule.warmdown_fraction");
                if (warmdown.isEmpty()) {
                    throw missing(run, field, kind, "schedule.warmdown_ratio");
                }
                double end = number(run, "schedule.final_lr_ratio", "schedule.final_lr_frac").orElse(0.0);
                yield spec("wsd", warmup, warmdown.get() * total, "linear", Double.NaN, end);
            }
            case "inverse_sqrt" -> new Spec("inverse_sqrt", warmup, 0, "linear", 0, Double.NaN, 1, 1,
                    number(run, "schedule.timescale", "schedule.lr_scheduler_kwargs.timescale")
                            .orElse(warmup > 0 ? warmup : 10_000));
            case "polynomial" -> new Spec("polynomial", warmup, 0, "linear",
                    number(run, "schedule.lr_end", "schedule.lr_scheduler_kwargs.lr_end").orElse(
                            Double.isNaN(min) ? 1e-7 : min), ratio,
                    number(run, "schedule.power", "schedule.lr_scheduler_kwargs.power").orElse(1.0), 1, 0);
            case "cosine_with_restarts" -> new Spec("cosine_restarts", warmup, 0, "linear", 0, Double.NaN, 1,
                    number(run, "schedule.num_cycles", "schedule.lr_scheduler_kwargs.num_cycles").orElse(1.0), 0);
            default -> throw new InvalidRunException(run.id(), 0, field, "unknown schedule '" + kind + "' (known: "
                    + "cosine, linear, constant, wsd; HuggingFace's constant_with_warmup, cosine_with_min_lr, "
                    + "warmup_stable_decay, inverse_sqrt, polynomial, cosine_with_restarts; nanochat's "
                    + "warmup_stable_warmdown; Megatron's schedule.lr_decay_style; torchtitan's lr_scheduler section)");
        };
    }

    private static Spec spec(String kind, double warmup, double decaySteps, String shape, double min, double ratio) {
        return new Spec(kind, warmup, decaySteps, shape, min, ratio, 1, 1, 0);
    }

    private static double warmup(Run run, double total) {
        return number(run, "schedule.warmup_steps", "schedule.num_warmup_steps", "schedule.lr_warmup_iters")
                .orElse(number(run, "schedule.warmup_fraction", "schedule.warmup_ratio", "schedule.lr_warmup_fraction")
                        .map(f -> f * total).orElse(0.0));
    }

    /** Megatron-LM: {@code lr_decay_style}, decaying over {@code lr_decay_iters} (default: the whole run). */
    private static Spec megatron(Run run, String style, double total) {
        String s = style.toLowerCase(Locale.ROOT).replace('_', '-');
        double warmup = warmup(run, total);
        double min = number(run, "schedule.min_lr").orElse(0.0);
        double decayIters = number(run, "schedule.lr_decay_iters").orElse(total);
        if (decayIters < total - 0.5 && !s.equals("constant") && !s.equals("wsd")) {
            throw new InvalidRunException(run.id(), 0, "schedule.lr_decay_iters", "a decay that ends before the "
                    + "run does (" + (long) decayIters + " of " + (long) total + " steps) has no ncpl schedule; give "
                    + "the run's steps, or a WSD schedule");
        }
        return switch (s) {
            case "constant" -> spec("constant", warmup, 0, "linear", 0, Double.NaN);
            case "linear", "cosine" -> spec(s, warmup, 0, "linear", min, Double.NaN);
            case "inverse-square-root" -> new Spec("inverse_sqrt", warmup, 0, "linear", 0, Double.NaN, 1, 1,
                    warmup > 0 ? warmup : 1);
            case "wsd" -> {
                Optional<Double> decay = number(run, "schedule.lr_wsd_decay_iters");
                if (decay.isEmpty()) {
                    throw missing(run, "schedule.lr_decay_style", style, "schedule.lr_wsd_decay_iters");
                }
                yield spec("wsd", warmup, decay.get(), text(run, "schedule.lr_wsd_decay_style").map(
                        ScheduleDialects::shape).orElse("exponential"), min, Double.NaN);
            }
            default -> throw new InvalidRunException(run.id(), 0, "schedule.lr_decay_style", "unknown Megatron "
                    + "lr_decay_style '" + style + "' (known: constant, linear, cosine, inverse-square-root, WSD)");
        };
    }

    /**
     * torchtitan's {@code lr_scheduler} section: linear warmup, an optional stable phase, then a decay over the last
     * {@code decay_ratio} of the run (all of it after warmup when none) to {@code min_lr_factor} × peak.
     */
    private static Spec torchtitan(Run run, double total) {
        double warmup = number(run, "lr_scheduler.warmup_steps").orElse(0.0);
        double ratio = number(run, "lr_scheduler.min_lr_factor", "lr_scheduler.lr_min").orElse(0.0);
        String shape = text(run, "lr_scheduler.decay_type").map(ScheduleDialects::shape).orElse("linear");
        Optional<Double> decayRatio = number(run, "lr_scheduler.decay_ratio");
        double decay = decayRatio.map(r -> r * total).orElse(total - warmup);
        return spec("wsd", warmup, decay, shape, Double.NaN, ratio);
    }

    /** A decay shape by any trainer's name. */
    private static String shape(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (n) {
            case "1_sqrt", "minus_sqrt", "sqrt", "one_minus_sqrt" -> "sqrt";
            case "cosine", "linear", "exponential", "step" -> n;
            default -> throw new IllegalArgumentException("unknown decay shape '" + name + "' (known: linear, cosine, "
                    + "exponential, step, sqrt or 1-sqrt)");
        };
    }

    private static InvalidRunException missing(Run run, String field, String kind, String keys) {
        return new InvalidRunException(run.id(), 0, field, "schedule '" + kind + "' needs " + keys
                + " to know its shape: add it to the run's schedule");
    }

    private static Optional<Double> number(Run run, String... paths) {
        for (String p : paths) {
            Optional<Double> v = run.number(p);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> text(Run run, String... paths) {
        return List.of(paths).stream().map(run::text).flatMap(Optional::stream).findFirst();
    }
}
