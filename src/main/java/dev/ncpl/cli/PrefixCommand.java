package dev.ncpl.cli;

import dev.ncpl.predict.NeuralPredictor;
import dev.ncpl.predict.PrefixConditioner;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ncpl prefix}: fits (again) the observed-prefix model of a trained predictor on the runs it was
 * trained on, for models trained before training did so itself, or before the conditioner changed. Takes
 * about a minute on the shared logs (2 CPU cores).
 */
@Command(name = "prefix", mixinStandardHelpOptions = true,
        description = "Fit the observed-prefix model (predict --condition-on-curve) of a trained predictor on the "
                + "training runs of its protocol, and write prefix.json into the model folder. Training does this "
                + "itself; use it for models trained before.")
public final class PrefixCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOption model = new ModelOption();

    @Override
    public Integer call() throws Exception {
        ModelData md = ModelData.of(model.model, data);
        PrefixConditioner fitted;
        try (NeuralPredictor network = NeuralPredictor.load(model.model)) {
            fitted = PrefixConditioner.fit(md.training(), md.seed(), network);
        }
        Path file = model.model.resolve(PrefixConditioner.FILE);
        fitted.save(file);
        fitted.laws().forEach((source, law) -> System.out.printf(Locale.ROOT,
                "%-8s %6d training rows, %d weights%s, in each of %d members%n", source, law.rows(),
                law.weights().length, law.trees() == null ? "" : " and " + law.trees().trees().size() + " trees",
                fitted.members().size()));
        System.out.println("wrote " + file);
        return 0;
    }
}
