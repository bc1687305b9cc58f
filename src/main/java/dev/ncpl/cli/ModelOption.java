package dev.ncpl.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model DIR} option of the commands that use a trained predictor; the shipped one by default. */
public final class ModelOption {
    @Option(names = "--model", paramLabel = "DIR", defaultValue = "${sys:ncpl.home:-.}/models/default",
            description = "Trained model folder (default: ${DEFAULT-VALUE}).")
    Path model;
}
