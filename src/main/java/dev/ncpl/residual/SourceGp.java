package dev.ncpl.residual;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.learn.GaussianProcess;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link GaussianProcess} on one source's log(final loss / the source's Chinchilla law), reading the
 * run's scale (log N, log D/N), its schedule (warmup share, final learning rate relative to peak), its
 * hyperparameters (log peak learning rate, log batch tokens, the optimizer's other numeric settings and
 * the schedule's floor, where every training run of the source has them, they vary, and a logged one
 * is positive) and its
 * optimizer. Architecture fields and step counts are left out: within a source they follow from N, D
 * and the batch, and inputs that say the same thing twice only cost the process data.
 *
 * @param keys the config fields read after the scale and schedule, in order
 * @param optimizers the optimizers seen in training (one-hot inputs), lower case
 * @param runs the training runs it was fitted on
 * @param gp the process
 */
public record SourceGp(@JsonProperty("keys") List<String> keys,
                       @JsonProperty("optimizers") List<String> optimizers,
                       @JsonProperty("runs") int runs,
                       @JsonProperty("gp") GaussianProcess gp) {
    /** Fields read on a log scale. */
    static final Set<String> LOG_KEYS = Set.of("optimizer.lr", "data.batch_tokens");
    /** Fields read besides the log ones: those under this prefix, and {@link #FLOOR}. */
    private static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final String FLOOR = "schedule.min_lr_ratio";
    /** Scale and schedule inputs, before the config fields and the optimizers. */
    static final int DERIVED = 4;

    /** Fits a process to {@code runs} (all of one source) over {@code law}; deterministic in {@code seed}. */
    static SourceGp fit(List<Run> runs, ChinchillaLaw law, long seed) {
        SourceGp shape = new SourceGp(inputKeys(runs), ResidualModels.optimizers(runs), runs.size(), null);
        List<double[]> xs = new ArrayList<>(runs.size());
        double[] y = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            Scale scale = Scale.of(run);
            xs.add(shape.inputs(run, scale, LrSchedule.of(run)));
            y[i] = ResidualModels.logResidual(run, scale, law);
        }
        return new SourceGp(shape.keys(), shape.optimizers(), runs.size(), GaussianProcess.fit(xs, y, seed));
    }

    /**
     * The config fields a process of {@code runs} reads: the hyperparameters every run has, in the order of
     * {@link ConfigFlattener#varyingNumericKeys}, those read on a log scale only where every run's is positive.
     */
    public static List<String> inputKeys(List<Run> runs) {
        List<String> keys = new ArrayList<>();
        for (String key : ConfigFlattener.varyingNumericKeys(runs)) {
            boolean hyper = LOG_KEYS.contains(key) || key.startsWith(OPTIMIZER_PREFIX) || key.equals(FLOOR);
            boolean logOk = !LOG_KEYS.contains(key) || runs.stream().allMatch(r -> r.number(key).orElse(0.0) > 0);
            if (hyper && logOk && runs.stream().allMatch(r -> r.number(key).isPresent())) {
                keys.add(key);
            }
        }
        return List.copyOf(keys);
    }

    /** The process's inputs for {@code run}; a field the run lacks is NaN (read as the training mean). */
    double[] inputs(Run run, Scale scale, LrSchedule schedule) {
        return inputs(run, scale, schedule, keys, optimizers, new double[0]);
    }

    /**
     * The inputs of a process reading {@code keys} and {@code optimizers}: log N, log D/N, the warmup share,
     * the final relative learning rate, then {@code extra}, the fields (NaN where the run lacks one) and the
     * optimizer one-hots.
     */
    public static double[] inputs(Run run, Scale scale, LrSchedule schedule, List<String> keys, List<String> optimizers,
                           double[] extra) {
        double[] x = new double[DERIVED + extra.length + keys.size() + optimizers.size()];
        int k = 0;
        x[k++] = Math.log(scale.params());
        x[k++] = Math.log(scale.tokens() / scale.params());
        x[k++] = schedule.warmup() / schedule.total();
        x[k++] = schedule.relativeLr(schedule.total());
        for (double e : extra) {
            x[k++] = e;
        }
        for (String key : keys) {
            double v = run.number(key).orElse(Double.NaN);
            x[k++] = LOG_KEYS.contains(key) ? Math.log(v) : v;
        }
        int opt = optimizers.indexOf(ResidualModels.optimizer(run));
        if (opt >= 0) {
            x[k + opt] = 1;
        }
        return x;
    }

    /** Whether the process saw {@code run}'s optimizer (or the source names none). */
    boolean knows(Run run) {
        return knows(optimizers, run);
    }

    /** Whether {@code optimizers} (a process's) hold {@code run}'s optimizer, or are empty. */
    public static boolean knows(List<String> optimizers, Run run) {
        return optimizers.isEmpty() || optimizers.contains(ResidualModels.optimizer(run));
    }

    /** log(final loss / law) of {@code run}. */
    double residual(Run run, Scale scale, LrSchedule schedule) {
        return gp.predict(inputs(run, scale, schedule));
    }
}
