package dev.ncpl.curve;

import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.LrSchedule;
import java.util.List;
import java.util.Locale;

/**
 * The inputs of {@link PrefixConditioner}: a run's scale and hyperparameters, the last observed point
 * (where in the run, the learning rate and the share of the schedule's learning-rate area spent
 * there, and its loss relative to the source's Chinchilla law at the tokens seen) and the point
 * queried (the same position features, and the drop the Chinchilla law expects from the observed
 * point to it), plus a one-hot optimizer. The run's length enters only through these (the token
 * budget and step count themselves were left out: they made the law extrapolate worse to larger
 * models, measured on the held-back sizes). Loss levels enter relative to the law, so that a larger
 * model's lower losses do not leave the range the conditioner was trained on.
 */
final class PrefixFeatures {
    /** Feature names, for reading a saved conditioner. */
    static final List<String> NAMES = List.of("log_params", "log_lr", "log_batch_tokens", "warmup_fraction", "log_observed_over_chinchilla", "chinchilla_drop",
            "observed_fraction", "log_observed_fraction", "observed_relative_lr", "observed_area", "query_fraction",
            "log_query_fraction", "query_relative_lr", "query_area");

    private PrefixFeatures() {}

    /** The features of querying {@code queryStep} in {@code run} given its loss {@code observedLoss} at {@code observedStep}. */
    static double[] of(Run run, LrSchedule schedule, Scale scale, ChinchillaLaw law, double observedStep,
                       double observedLoss, double queryStep, List<String> optimizers) {
        double total = schedule.total();
        double fo = Math.max(1e-4, Math.min(1, observedStep / total));
        double fq = Math.max(1e-4, Math.min(1, queryStep / total));
        double[] x = new double[NAMES.size() + optimizers.size()];
        int k = 0;
        x[k++] = Math.log(scale.params());
        // a run that did not give its learning rate has none to read: NaN, which the conditioner reads as the mean
        x[k++] = schedule.absolutePeak() ? Math.log(schedule.peak() > 0 ? schedule.peak() : 1e-3) : Double.NaN;
        double batchTokens = Scale.batchTokens(run).orElse(scale.tokens() / total);
        x[k++] = Math.log(batchTokens);
        x[k++] = schedule.warmup() / total;
        x[k++] = Math.log(observedLoss / chinchilla(law, scale, batchTokens, observedStep));
        x[k++] = chinchillaDrop(law, scale, batchTokens, observedStep, queryStep);
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

    /** log(L_c(query) / L_c(observed)): the drop the Chinchilla law expects between the two steps. */
    static double chinchillaDrop(ChinchillaLaw law, Scale scale, double batchTokens, double observedStep,
                                 double queryStep) {
        return Math.log(chinchilla(law, scale, batchTokens, queryStep) / chinchilla(law, scale, batchTokens, observedStep));
    }

    private static double chinchilla(ChinchillaLaw law, Scale scale, double batchTokens, double step) {
        return law.predict(scale.params(), Math.max(1, step) * batchTokens);
    }
}
