package dev.ncpl.cli;

import dev.ncpl.predict.Batches;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.ranking.CandidateRanker;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.util.OutputTarget;
import dev.ncpl.util.ProgressBar;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncpl score}: ranks candidate configs by predicted loss, streaming (memory grows with --top,
 * not with the number of candidates), and prints the best with the config keys on which they differ.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Rank candidate configs (JSONL, JSON, YAML or CSV) by predicted final loss, or by the loss at a step or token "
                + "count, and print the top k with the keys on which they differ.")
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--runs", required = true, paramLabel = "FILE",
            description = "Candidate configs: JSONL, one JSON/YAML config, or CSV (one candidate a row).")
    Path runs;

    @Option(names = "--source", paramLabel = "NAME", description = "Source of candidates that name none.")
    String source;

    @picocli.CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--rejects", paramLabel = "FILE",
            description = "Write the candidates that cannot be predicted (a value outside its range, an unknown "
                    + "optimizer, a size that cannot be resolved) to FILE as JSONL {\"file\", \"line\", \"field\", "
                    + "\"problem\"} and go on with the others; without it the first one stops the run.")
    Path rejects;

    @picocli.CommandLine.Mixin
    RankOptions rank = new RankOptions();

    @Option(names = "--top", defaultValue = "10", description = "How many to keep and show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--at-step", paramLabel = "STEP", description = "Rank by the predicted loss at this step.")
    Double atStep;

    @Option(names = "--at-tokens", paramLabel = "TOKENS", description = "Rank by the predicted loss after this many tokens.")
    Double atTokens;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the top k: JSONL {\"rank\", \"id\", \"loss\", \"config\"}, or CSV (one column per config key) when FILE ends in .csv.")
    Path out;

    @Override
    public Integer call() throws Exception {
        checkPositive("--at-step", atStep);
        checkPositive("--at-tokens", atTokens);
        if (top < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--top must be at least 1, got "
                    + top);
        }
        OutputTarget.checkNotInput("--out", out, List.of(runs));
        OutputTarget.checkNotInput("--rejects", rejects, java.util.Arrays.asList(runs, out));
        List<CandidateRanker.Scored> best;
        long seen;
        try (BlendedPredictor predictor = BlendedPredictor.load(model.model);
             Rejects rejected = Rejects.open(rejects);
             CandidateReader reader = PredictCommand.skipping(rejected, CandidateReader.open(runs, source)
                     .checkedBy(predictor::checkPredictable));
             ProgressBar bar = new ProgressBar("score", CandidateReader.count(runs))) {
            CandidateRanker ranker = new CandidateRanker(predictor, top, atStep, atTokens, rank.rankBy(),
                    rank.intervals(model.model), rank.level);
            Batches.forEachPrepared(reader, BlendedPredictor.BATCH, predictor::prepare, chunk -> {
                ranker.offer(chunk);
                bar.step(chunk.runs().size());
            });
            best = ranker.best();
            seen = ranker.seen();
            if (rejected != null) {
                rejected.commit(seen, System.out);
            }
        }
        String what = atStep != null ? "predicted loss at step " + atStep.longValue()
                : atTokens != null ? String.format(Locale.ROOT, "predicted loss at %.3g tokens", atTokens)
                : rank.rankBy().describe(rank.level);
        System.out.printf(Locale.ROOT, "top %d of %d candidates by %s%n", best.size(), seen, what);
        System.out.print(RankedCandidates.table(best));
        if (out != null) {
            RankedCandidates.write(out, best);
            System.out.println("wrote " + out);
        }
        return 0;
    }

    /** Refuses a step or token count that is not a finite positive number (exit 2). */
    private void checkPositive(String option, Double value) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), option
                    + " must be a finite positive number, got " + value);
        }
    }
}
