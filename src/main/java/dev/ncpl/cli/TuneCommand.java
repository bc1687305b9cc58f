package dev.ncpl.cli;

import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.ranking.CandidateRanker.Scored;
import dev.ncpl.ranking.RankBy;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.runs.Run;
import dev.ncpl.tune.Budget;
import dev.ncpl.tune.CandidateFactory;
import dev.ncpl.tune.Dimension;
import dev.ncpl.tune.SearchSpace;
import dev.ncpl.tune.Tuner;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.OutputTarget;
import dev.ncpl.util.ProgressBar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncpl tune}: searches hyperparameters around a base config under a compute budget, over the
 * trained predictor, and prints the best candidates with their predicted final loss.
 */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = "Search a space of hyperparameters around a base config under a compute budget (tokens, or FLOPs "
                + "≈ 6·N·D) over the predictor: a quasi-random sample, then successive halving with local refinement. "
                + "Prints the best candidates and the keys on which they differ.")
public final class TuneCommand implements Callable<Integer> {
    @Option(names = "--base", required = true, paramLabel = "FILE",
            description = "Base config: JSON or YAML (or the first line of a JSONL/CSV).")
    Path base;

    @Option(names = "--space", required = true, paramLabel = "FILE",
            description = "Search space, JSON or YAML: {\"optimizer.lr\": {\"min\": 1e-4, \"max\": 1e-2, \"log\": true}, "
                    + "\"data.batch_size\": [128, 256, 512], …}; add \"integer\": true to round a range.")
    Path space;

    @Option(names = "--budget-tokens", paramLabel = "D", description = "Train every candidate on D tokens.")
    Double budgetTokens;

    @Option(names = "--budget-flops", paramLabel = "C",
            description = "Train every candidate on C / (6·N) tokens, N its non-embedding parameters.")
    Double budgetFlops;

    @Option(names = "--source", paramLabel = "NAME", description = "Source of a base config that names none.")
    String source;

    @Option(names = "--samples", defaultValue = "4096",
            description = "Quasi-random candidates in the first round; each later round draws half as many "
                    + "(default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--rounds", defaultValue = "4",
            description = "Rounds of successive halving and local refinement (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--top", defaultValue = "10", description = "How many to show and save (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Also write the best: JSONL {\"rank\", \"id\", \"loss\", \"config\"}, or CSV when FILE ends in .csv.")
    Path out;

    @picocli.CommandLine.Mixin
    ModelOption model = new ModelOption();

    @picocli.CommandLine.Mixin
    RankOptions rank = new RankOptions();

    @Override
    public Integer call() throws Exception {
        OutputTarget.checkNotInput("--out", out, List.of(base, space));
        SearchSpace searchSpace = SearchSpace.read(space);
        Budget budget;
        Tuner.Settings settings;
        try {
            budget = new Budget(budgetTokens, budgetFlops);
            settings = new Tuner.Settings(samples, rounds, top, seed);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
        long total = 1 + samples + (long) rounds * Math.max(top, samples / 2);
        List<Tuner.Tuned> best;
        long evaluated;
        try (BlendedPredictor predictor = BlendedPredictor.load(model.model)) {
            Run baseRun = readBase(predictor);
            checkKeysKnown(searchSpace, baseRun, budget, predictor);
            try (ProgressBar bar = new ProgressBar("tune", total)) {
                RankBy by = rank.rankBy();
                PredictionIntervals intervals = rank.intervals(model.model);
                Tuner tuner = new Tuner(searchSpace, new CandidateFactory(baseRun, budget),
                        runs -> by.scores(predictor, intervals, rank.level, predictor.prepare(runs)), settings);
                best = tuner.run(bar::step);
                evaluated = tuner.evaluated();
            }
        }
        System.out.printf(Locale.ROOT, "best %d of %d candidates (budget: %s), by %s%n",
                best.size(), evaluated, budget, rank.rankBy().describe(rank.level));
        List<Scored> rows = best.stream().map(t -> new Scored(t.run(), t.score())).toList();
        System.out.print(RankedCandidates.table(rows));
        if (out != null) {
            RankedCandidates.write(out, rows);
            System.out.println("wrote " + out);
        }
        return 0;
    }

    /**
     * Refuses a searched key that the base config lacks and the model never saw: the network would read it as
     * unknown and the search would move nothing but noise.
     */
    private void checkKeysKnown(SearchSpace searchSpace, Run baseRun, Budget budget, BlendedPredictor predictor) {
        CandidateFactory factory = new CandidateFactory(baseRun, budget);
        for (Dimension d : searchSpace.dimensions()) {
            if (baseRun.get(d.key()).isPresent()) {
                continue;
            }
            Run probe = factory.build("probe", java.util.Map.of(d.key(), d.value(0.5)));
            if (predictor.prepare(List.of(probe)).features().get(0).outsideTrainingRange().contains(d.key())) {
                throw new IllegalArgumentException(space + ": key '" + d.key() + "': neither in the base config nor a "
                        + "key the model was trained on: the prediction would not follow it (check its spelling)");
            }
        }
    }

    /** The base config, refused at its file and line where {@code predictor} could not predict it. */
    private Run readBase(BlendedPredictor predictor) throws IOException {
        try (CandidateReader reader = CandidateReader.open(base, source).checkedBy(predictor::checkPredictable)) {
            if (!reader.hasNext()) {
                throw new IllegalArgumentException(base + ": no config");
            }
            return reader.next();
        }
    }
}
