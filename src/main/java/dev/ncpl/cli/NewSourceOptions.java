package dev.ncpl.cli;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.study.NewSourceReport;
import dev.ncpl.study.NewSourceStudy;
import dev.ncpl.train.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The options of {@code ncpl eval --protocol new-source} (NewSourceStudy), and the call that runs it. */
final class NewSourceOptions {
    static final String PROTOCOL = "new-source";
    @Option(names = "--recipe", paramLabel = "FILE", defaultValue = "${sys:ncpl.home:-.}/training-configs/new-source.json",
            description = "Recipe of the model trained without each source (default: ${DEFAULT-VALUE}).")
    Path recipe;

    @Option(names = "--adapt-recipe", paramLabel = "FILE",
            defaultValue = "${sys:ncpl.home:-.}/training-configs/finetune.json",
            description = "Recipe that adapts it to k runs, as train --from does, and that trains on them alone "
                    + "(default: ${DEFAULT-VALUE}).")
    Path adaptRecipe;

    @Option(names = "--k", split = ",", paramLabel = "N", defaultValue = "0,10,50",
            description = "Numbers of runs of the left-out source given (default: ${DEFAULT-VALUE}).")
    List<Integer> ks = new ArrayList<>();

    @Option(names = "--draws", defaultValue = "5", description = "Seeded draws for each k > 0 (default: ${DEFAULT-VALUE}).")
    int draws;

    @Option(names = "--min-runs", defaultValue = "40",
            description = "Runs a source needs to be left out (default: ${DEFAULT-VALUE}).")
    int minRuns;

    @Option(names = "--sources", split = ",", paramLabel = "NAME",
            description = "Leave out only these sources (default: every source with --min-runs runs).")
    List<String> sources = new ArrayList<>();

    @Option(names = "--no-smallest-sizes", negatable = false,
            description = "Skip the variant that gives the k runs from the smallest sizes and scores the largest.")
    boolean noSmallestSizes;

    @Option(names = "--no-scratch", negatable = false,
            description = "Skip training the adaptation recipe on the k runs alone.")
    boolean noScratch;

    @Option(names = "--seed", defaultValue = "17", description = "Seed of the draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--read-as", paramLabel = "SOURCE", defaultValue = dev.ncpl.train.SourceAdaptation.SISTER,
            description = "How the corrections read the left-out source's runs, as train --from --read-as: sister, "
                    + "none, or a source name (default: ${DEFAULT-VALUE}).")
    String readAs;

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "${sys:ncpl.home:-.}/target/new-source-study",
            description = "Folder for the models the study trains and each draw's result; a study run again with the "
                    + "same settings reuses them (default: ${DEFAULT-VALUE}).")
    Path work;

    int run(List<Path> files, Path reportDir) throws IOException {
        for (Path f : List.of(recipe, adaptRecipe)) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(f + ": no such recipe");
            }
        }
        NewSourceStudy.Settings settings = new NewSourceStudy.Settings(Recipe.load(recipe), Recipe.load(adaptRecipe),
                ks, draws, minRuns, !noSmallestSizes, !noScratch, seed, readAs);
        List<Run> all = RunReader.readAll(files);
        NewSourceReport report = new NewSourceStudy(settings, work, System.out)
                .run(all, sources, files.stream().map(Path::toString).toList(), reportDir);
        report.write(reportDir);
        for (String variant : List.of(dev.ncpl.study.NewSourceDraws.RANDOM, dev.ncpl.study.NewSourceDraws.SMALLEST)) {
            for (int k : ks) {
                double r = report.headlineRatio(variant, k);
                if (k > 0 && Double.isFinite(r)) {
                    System.out.printf(Locale.ROOT, "%s k=%d: median over sources of MAE(ncpl)/MAE(law) %.3f%n", variant,
                            k, r);
                }
            }
        }
        System.out.println("wrote " + reportDir.resolve("report.md"));
        return 0;
    }
}
