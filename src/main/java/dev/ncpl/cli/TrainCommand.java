package dev.ncpl.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.ncpl.runs.RunReader;
import dev.ncpl.train.PredictorTrainer;
import dev.ncpl.train.Recipe;
import dev.ncpl.train.SourceAdaptation;
import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--adaptation", defaultValue = "auto", paramLabel = "HOW",
            description = "With --from: correct (the parent's predictions corrected per new source by a Gaussian "
                    + "process on its errors on your runs; no training, seconds), fine-tune (the network trained on "
                    + "your runs), or auto: correct when every run is of a source the parent never saw and gives what "
                    + "it reads, else fine-tune (default: ${DEFAULT-VALUE}).")
    String adaptation;

    @Option(names = "--read-as", defaultValue = SourceAdaptation.SISTER, paramLabel = "SOURCE",
            description = "With corrections: how the parent reads a new source's runs before correcting them: sister "
                    + "(as the known source measured over three sizes or more whose losses are on the same scale: the "
                    + "same metric, and tokenizer and data wherever it gives them; its law, residual models and "
                    + "processes then apply), none (as a source never seen), or the name of a source the parent knows "
                    + "(default: ${DEFAULT-VALUE}).")
    String readAs;

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
        if (!List.of("auto", "correct", "fine-tune").contains(adaptation)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--adaptation must be auto, correct or fine-tune, not '" + adaptation + "'");
        }
        if (adaptation.equals("fine-tune") && !readAs.equals(SourceAdaptation.SISTER)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--read-as applies to corrections only, not to --adaptation fine-tune");
        }
        if (from == null && !readAs.equals(SourceAdaptation.SISTER)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--read-as applies to --from only");
        }
        if (from == null && !adaptation.equals("auto")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--adaptation applies to --from only");
        }
        List<Path> files = data.files(DataOptions.EVERY_SOURCE);
        if (from != null && (adaptation.equals("correct") || (adaptation.equals("auto")
                && SourceAdaptation.servesAll(from, RunReader.readAll(files))))) {
            long t0 = System.nanoTime();
            new SourceAdaptation(from, r.seed(), System.err, readAs).adapt(files, out);
            System.out.printf(java.util.Locale.ROOT, "adapted %s to %s without training in %.1f s (source "
                    + "corrections)%n", from, out, (System.nanoTime() - t0) / 1e9);
            return 0;
        }
        if (from != null && !readAs.equals(SourceAdaptation.SISTER)) {
            System.err.println("note: --read-as " + readAs + " is not used: these runs are fine-tuned on (a source the "
                    + "parent knows, or an optimizer it never read), not corrected");
        }
        PredictorTrainer trainer = new PredictorTrainer(r, dev, System.err);
        if (from != null) {
            trainer.fineTuneFrom(from);
        }
        PredictorTrainer.Result res = trainer.train(files, out);
        System.out.printf(java.util.Locale.ROOT, "trained %s in %.0f s (network %.0f s%s, curve models, residual "
                        + "trees and intervals %.0f s); validation final-loss MAE: %s%n", res.model(),
                res.seconds() + res.posthocSeconds(), res.seconds(), res.resumed() ? ", resumed" : "",
                res.posthocSeconds(), res.validationMae());
        return 0;
    }
}
