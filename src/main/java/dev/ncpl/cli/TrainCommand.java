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

    @Option(names = "--recipe", paramLabel = "FILE",
            description = "Training recipe (JSON). Default with --from: training-configs/finetune.json.")
    Path recipe;

    @Option(names = "--from", paramLabel = "DIR",
            description = "Fine-tune this trained model on --runs instead of training from scratch: new config keys "
                    + "and sources are learnt, a few dozen runs suffice. Runs without in_val get 20%% held out.")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to write.")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}: "
            + "the GPU when the CUDA build finds one).")
    String device;

    @Override
    public Integer call() throws Exception {
        if (recipe == null && from == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "give --recipe FILE, or --from MODEL to fine-tune");
        }
        Recipe r = Recipe.load(recipe != null ? recipe
                : Path.of(System.getProperty("ncpl.home", ".")).resolve("training-configs/finetune.json"));
        if (from != null && data.runs.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--from needs --runs FILE: the runs to fine-tune on");
        }
        Device dev = switch (device) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalArgumentException("--device gpu: "
                            + "PyTorch sees no GPU here (this build has the " + (System.getenv().getOrDefault(
                            "NCPL_PROFILE", "cpu")) + " natives; on a machine with an NVIDIA GPU run with "
                            + "NCPL_PROFILE=cuda, or use --device cpu)");
                }
                yield Device.gpu();
            }
            case "auto" -> Engine.getInstance().defaultDevice();
            default -> throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--device must be cpu, gpu or auto");
        };
        PredictorTrainer trainer = new PredictorTrainer(r, dev, System.err);
        if (from != null) {
            trainer.fineTuneFrom(from);
        }
        PredictorTrainer.Result res = trainer.train(data.files("marin.jsonl", "steplaw.jsonl", "openlm.jsonl"), out);
        System.out.printf(java.util.Locale.ROOT, "trained %s in %.0f s (network %.0f s%s, curve models, residual "
                        + "trees and intervals %.0f s); validation final-loss MAE: %s%n", res.model(),
                res.seconds() + res.posthocSeconds(), res.seconds(), res.resumed() ? ", resumed" : "",
                res.posthocSeconds(), res.validationMae());
        return 0;
    }
}
