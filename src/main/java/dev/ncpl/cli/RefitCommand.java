package dev.ncpl.cli;

import ai.djl.engine.Engine;
import dev.ncpl.curve.CurveModels;
import dev.ncpl.curve.CurveShape;
import dev.ncpl.curve.PrefixConditioner;
import dev.ncpl.model.NcplModel;
import dev.ncpl.residual.ResidualModels;
import dev.ncpl.train.PosthocFitter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ncpl refit} (formerly {@code ncpl prefix}, still accepted): fits (again) the models fitted after a trained predictor's network on the runs it
 * was trained on (the observed-prefix model, the curve shape and the residual trees of the final loss),
 * for models trained before training did so itself, or before these models changed. Takes about three minutes on the shared logs (2 CPU cores).
 */
@Command(name = "refit", aliases = "prefix", mixinStandardHelpOptions = true,
        description = "Fit the models that follow a trained predictor's network on the training runs of its "
                + "protocol: the observed-prefix model (predict --condition-on-curve; prefix.json.gz) and the curve shape averaged "
                + "into its curves (shape.json.gz, with a Gaussian process of each source's curve shape), and the residual trees (or, where it extrapolates better, a Gaussian process) averaged into its final losses (final-trees.json.gz), "
                + "written into the model folder. Training does this itself; use it "
                + "for models trained before. Takes a few minutes on the shared logs.")
public final class RefitCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOption model = new ModelOption();

    @Override
    public Integer call() throws Exception {
        ModelData md = ModelData.of(model.model, data);
        PosthocFitter.CurvesAndResiduals refit;
        double subsample;
        try (NcplModel network = NcplModel.load(model.model, Engine.getInstance().defaultDevice())) {
            refit = PosthocFitter.fitCurvesAndResiduals(network, md.training(), md.seed(), null);
            subsample = network.manifest().posthocSettings().residual().subsample();
        }
        if (refit.curves().prefix() == null || refit.curves().shape() == null) {
            throw new IllegalArgumentException("no training run has a curve with two points or more: the curve models "
                    + "cannot be refitted on final losses alone (the model is left as it was)");
        }
        refit.save(model.model);
        CurveModels fitted = refit.curves();
        ResidualModels trees = refit.residuals();
        RefitLog.record(model.model, "ncpl refit", md.files(),
                List.of(PrefixConditioner.FILE, CurveShape.FILE, ResidualModels.FILE));
        PrefixConditioner prefix = fitted.prefix();
        prefix.laws().forEach((source, law) -> System.out.printf(Locale.ROOT,
                "%-8s %6d training rows, %d weights%s, in each of %d members%n", source, law.rows(),
                law.weights().length, law.trees() == null ? "" : " and " + law.trees().trees().size() + " trees",
                prefix.members().size()));
        fitted.shape().gps().forEach((source, gp) -> System.out.printf(Locale.ROOT,
                "%-8s %6d training curves, a Gaussian process of their shape at %d shares of training over %d config "
                        + "fields%n", source, gp.runs(), gp.fractions().length, gp.keys().size()));
        trees.sources().forEach((source, t) -> System.out.printf(Locale.ROOT,
                "%-8s %6d training runs, %d fits of %d residual trees (each on %.0f%% of the runs) over %d config "
                        + "fields%n", source, t.runs(), t.members().size(), t.members().get(0).trees().size(),
                100 * subsample, t.keys().size()));
        trees.checks().forEach((source, c) -> System.out.printf(Locale.ROOT,
                "%-8s final-loss MAE fitted below %.3g parameters, on its %d runs of that size: Gaussian process %.4f, "
                        + "trees %.4f; fitted on four fifths, on the other %d runs: %.4f, %.4f; uses the %s%n", source,
                c.heldOutParams(), c.heldOutRuns(), c.gpMae(), c.treesMae(), c.foldRuns(), c.foldGpMae(),
                c.foldTreesMae(), c.prefersGp() ? "Gaussian process (on " + trees.gps().get(source).keys().size()
                        + " config fields)" : "trees"));
        System.out.println("wrote " + model.model.resolve(PrefixConditioner.FILE) + ", "
                + model.model.resolve(CurveShape.FILE) + " and " + model.model.resolve(ResidualModels.FILE));
        return 0;
    }
}
