package dev.ncpl.predict;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.LrSchedule;
import java.util.List;
import java.util.Locale;

/**
 * The inputs of {@link PrefixConditioner}: a run's scale and hyperparameters, the last observed point
 * (where in the run, the learning rate and the share of the schedule's learning-rate area spent
 * there, and its loss) and the point queried (the same position features), plus a one-hot optimizer.
 */
final class PrefixFeatures {
    /** Feature names, for reading a saved conditioner. */
    static final List<String> NAMES = List.of("log_params", "log_tokens", "log_lr", "log_batch_tokens",
            "log_total_steps", "warmup_fraction", "log_observed_loss", "observed_fraction", "log_observed_fraction",
            "observed_relative_lr", "observed_area", "query_fraction", "log_query_fraction", "query_relative_lr",
            "query_area");

    private PrefixFeatures() {}

    /** The features of querying {@code queryStep} in {@code run} given its loss {@code observedLoss} at {@code observedStep}. */
    static double[] of(Run run, LrSchedule schedule, Scale scale, double observedStep, double observedLoss,
                       double queryStep, List<String> optimizers) {
        double total = schedule.total();
        double fo = Math.max(1e-4, Math.min(1, observedStep / total));
        double fq = Math.max(1e-4, Math.min(1, queryStep / total));
        double lr = run.number("optimizer.lr").orElse(schedule.peak());
        double[] x = new double[NAMES.size() + optimizers.size()];
        int k = 0;
        x[k++] = Math.log(scale.params());
        x[k++] = Math.log(scale.tokens());
        x[k++] = Math.log(lr > 0 ? lr : 1e-3);
        x[k++] = Math.log(Scale.batchTokens(run).orElse(scale.tokens() / total));
        x[k++] = Math.log(total);
        x[k++] = schedule.warmup() / total;
        x[k++] = Math.log(observedLoss);
        x[k++] = fo;
        x[k++] = Math.log(fo);
        x[k++] = schedule.relativeLr(observedStep);
        x[k++] = schedule.areaFraction(observedStep);
        x[k++] = fq;
        x[k++] = Math.log(fq);
        x[k++] = schedule.relativeLr(queryStep);
        x[k++] = schedule.areaFraction(queryStep);
        String opt = run.text("optimizer.name").map(s -> s.toLowerCase(Locale.ROOT)).orElse("");
        int i = optimizers.indexOf(opt);
        if (i >= 0) {
            x[k + i] = 1;
        }
        return x;
    }
}
