package dev.ncpl.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.ncpl.train.PredictorTrainer;
import dev.ncpl.train.Recipe;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ncpl train}: trains a predictor from a recipe and saves it as a model folder. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train an NCPL predictor from a recipe (training-configs/*.json) on run files; resumes an "
                + "interrupted training of the same recipe and data.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--recipe", required = true, paramLabel = "FILE", description = "Training recipe (JSON).")
    Path recipe;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to write.")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}: "
            + "the GPU when the CUDA build finds one).")
    String device;

    @Override
    public Integer call() throws Exception {
        Recipe r = Recipe.load(recipe);
        Device dev = switch (device) {
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            case "auto" -> Engine.getInstance().defaultDevice();
            default -> throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--device must be cpu, gpu or auto");
        };
        PredictorTrainer.Result res = new PredictorTrainer(r, dev, System.err)
                .train(data.files("marin.jsonl", "steplaw.jsonl", "openlm.jsonl"), out);
        System.out.printf("trained %s in %.0f s%s; validation final-loss MAE: %s%n", res.model(), res.seconds(),
                res.resumed() ? " (resumed)" : "", res.validationMae());
        return 0;
    }
}
