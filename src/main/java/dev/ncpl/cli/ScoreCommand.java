package dev.ncpl.cli;

import dev.ncpl.predict.Batches;
import dev.ncpl.predict.CandidateRanker;
import dev.ncpl.predict.NeuralPredictor;
import dev.ncpl.runs.CandidateReader;
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
        List<CandidateRanker.Scored> best;
        long seen;
        try (NeuralPredictor predictor = NeuralPredictor.load(model.model);
             CandidateReader reader = CandidateReader.open(runs, source).checkedBy(predictor::checkPredictable);
             ProgressBar bar = new ProgressBar("score", CandidateReader.count(runs))) {
            CandidateRanker ranker = new CandidateRanker(predictor, top, atStep, atTokens, rank.rankBy(),
                    rank.intervals(model.model), rank.level);
            Batches.forEachPrepared(reader, NeuralPredictor.BATCH, predictor::prepare, chunk -> {
                ranker.offer(chunk);
                bar.step(chunk.runs().size());
            });
            best = ranker.best();
            seen = ranker.seen();
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
}
