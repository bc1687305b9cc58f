package dev.ncpl.eval;

import dev.ncpl.math.Stats;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How well a predictor tunes: the held-out runs are grouped into cells of equal model size and token
 * budget (a grid of learning rates and batch sizes in each); in every cell each picker chooses one
 * run, and its regret is the true final loss of its pick minus the best true loss in the cell. Loss
 * near the optimum is flat, so mean regret says more than how often the best run is hit. Beside the
 * predictors stands Step Law's fitted rule (lr ≈ 1.79·N^-0.713·D^0.307, batch ≈ 0.58·D^0.571 tokens),
 * which picks the grid point nearest to its optimum in log learning rate and log batch tokens.
 */
public final class RegretStudy {
    /** The rule's name in reports. */
    public static final String RULE = "steplaw-rule";

    /** One picker's result on one source: mean and median regret, and cells where it picked the best run. */
    public record Summary(int cells, double meanRegret, double medianRegret, int bestPicks) {}

    private final Map<String, List<List<Integer>>> cellsBySource = new TreeMap<>();
    private final List<Run> runs;
    private final Map<String, Map<String, Summary>> summaries = new LinkedHashMap<>();

    /** Groups {@code runs} into (source, N, D) cells of at least two runs. */
    public RegretStudy(List<Run> runs) {
        this.runs = runs;
        Map<String, List<Integer>> cells = new TreeMap<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            Scale s = Scale.of(r);
            cells.computeIfAbsent(String.format(Locale.ROOT, "%s|%.4g|%.4g", r.source(), s.params(), s.tokens()),
                    k -> new ArrayList<>()).add(i);
        }
        cells.forEach((key, idx) -> {
            if (idx.size() >= 2) {
                cellsBySource.computeIfAbsent(runs.get(idx.get(0)).source(), k -> new ArrayList<>()).add(idx);
            }
        });
    }

    /** Scores the picks of a predictor: in each cell, the run it predicts lowest. */
    public Map<String, Summary> addPredictor(String name, List<Prediction> predictions) {
        return add(name, cell -> {
            int best = cell.get(0);
            for (int i : cell) {
                if (predictions.get(i).finalLoss() < predictions.get(best).finalLoss()) {
                    best = i;
                }
            }
            return best;
        });
    }

    /** Scores Step Law's rule: in each cell, the run nearest to the rule's optimum. */
    public Map<String, Summary> addRule() {
        return add(RULE, cell -> {
            int best = -1;
            double bestDist = Double.POSITIVE_INFINITY;
            for (int i : cell) {
                double d = ruleDistance(runs.get(i));
                if (d < bestDist) {
                    bestDist = d;
                    best = i;
                }
            }
            return best < 0 ? cell.get(0) : best;
        });
    }

    /** Squared distance in (log lr, log batch tokens) from Step Law's optimum for the run's N and D. */
    static double ruleDistance(Run run) {
        Scale s = Scale.of(run);
        double lr = 1.79 * Math.pow(s.params(), -0.713) * Math.pow(s.tokens(), 0.307);
        double batch = 0.58 * Math.pow(s.tokens(), 0.571);
        double runLr = run.number("optimizer.lr").orElse(Double.NaN);
        double runBatch = Scale.batchTokens(run).orElse(Double.NaN);
        double d = Math.pow(Math.log(runLr / lr), 2) + Math.pow(Math.log(runBatch / batch), 2);
        return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
    }

    private Map<String, Summary> add(String name, java.util.function.ToIntFunction<List<Integer>> picker) {
        Map<String, Summary> out = new TreeMap<>();
        cellsBySource.forEach((source, cells) -> {
            double[] regrets = new double[cells.size()];
            int hits = 0;
            for (int c = 0; c < cells.size(); c++) {
                List<Integer> cell = cells.get(c);
                double best = cell.stream().mapToDouble(i -> runs.get(i).curve().finalLoss()).min().orElseThrow();
                regrets[c] = runs.get(picker.applyAsInt(cell)).curve().finalLoss() - best;
                hits += regrets[c] == 0 ? 1 : 0;
            }
            out.put(source, new Summary(cells.size(), java.util.Arrays.stream(regrets).average().orElse(Double.NaN),
                    Stats.median(regrets), hits));
        });
        summaries.put(name, out);
        return out;
    }

    public Map<String, Map<String, Summary>> summaries() {
        return summaries;
    }

    /** The study as a Markdown section. */
    public String markdown() {
        StringBuilder sb = new StringBuilder("## Tuning regret\n\n");
        sb.append("Held-out runs grouped into cells of equal N and D (at least two runs each); each picker chooses one run ")
          .append("per cell; regret = true final loss of the pick − best true final loss in the cell. `")
          .append(RULE).append("` picks the grid point nearest to Step Law's fitted optimum ")
          .append("(lr ≈ 1.79·N^-0.713·D^0.307, batch ≈ 0.58·D^0.571 tokens).\n\n");
        sb.append("| source | picker | cells | mean regret | median regret | best run picked |\n|---|---|---:|---:|---:|---:|\n");
        Map<String, List<String>> bySource = new TreeMap<>();
        summaries.forEach((picker, m) -> m.forEach((source, s) -> bySource.computeIfAbsent(source, k -> new ArrayList<>())
                .add(String.format(Locale.ROOT, "| %s | %s | %d | %.4f | %.4f | %d |%n", source, picker, s.cells(),
                        s.meanRegret(), s.medianRegret(), s.bestPicks()))));
        bySource.values().forEach(rows -> rows.forEach(sb::append));
        return sb.append('\n').toString();
    }
}
