package dev.ncpl.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.FileNames;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes an evaluation: {@code report.md} (tables of every predictor side by side), {@code
 * figures.json} (the same numbers, machine-readable) and PNG plots, all atomically.
 */
public final class EvalReport {
    private final String name;
    private final String description;
    private final List<Run> runs;
    private final Map<String, List<Prediction>> predictions = new LinkedHashMap<>();
    private final Map<String, Map<String, Metrics>> metrics = new LinkedHashMap<>();
    private final Map<String, String> provenance = new LinkedHashMap<>();
    private final java.util.function.Function<Run, String> grouping;
    private final Map<String, Section> sections = new LinkedHashMap<>();

    /** An extra part of the report: Markdown for report.md and its numbers for figures.json. */
    private record Section(String markdown, Object figures) {}

    /** A report grouped by source and split. */
    public EvalReport(String name, String description, List<Run> runs) {
        this(name, description, runs, Evaluator::group);
    }

    /** A report whose figures are grouped by {@code grouping} (for example by source alone). */
    public EvalReport(String name, String description, List<Run> runs, java.util.function.Function<Run, String> grouping) {
        this.name = name;
        this.description = description;
        this.runs = runs;
        this.grouping = grouping;
    }

    /** Adds one predictor's predictions of the report's runs and scores them. */
    public Map<String, Metrics> add(String predictor, List<Prediction> preds) {
        predictions.put(predictor, preds);
        Map<String, Metrics> m = Evaluator.score(runs, preds, grouping);
        metrics.put(predictor, m);
        return m;
    }

    /** Records a line of provenance (training data, model, seed…) shown in the report. */
    public void provenance(String key, String value) {
        provenance.put(key, value);
    }

    /** Adds an extra section (such as a tuning-regret study) under {@code key} in figures.json. */
    public void section(String key, String markdown, Object figures) {
        sections.put(key, new Section(markdown, figures));
    }

    public Map<String, Map<String, Metrics>> metrics() {
        return metrics;
    }

    /** The report as Markdown. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation: ").append(name).append("\n\n").append(description).append("\n\n");
        provenance.forEach((k, v) -> sb.append("- **").append(k).append("**: ").append(v).append('\n'));
        sb.append("\nFinal loss: MAE, RMSE, ARE (mean |pred − true| / true), Spearman ρ, the median error (pred − true;")
          .append(" positive: predicted too high) and the MAE once that offset is taken away (what an offset measured on")
          .append(" a few runs would leave). Curve MAE over every logged point after the first 10% of training.\n\n");
        sb.append("| group | predictor | runs | final MAE | final RMSE | final ARE | Spearman ρ | median error "
                + "| MAE less offset | curve MAE | curve points |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        TreeSet<String> groups = new TreeSet<>();
        metrics.values().forEach(m -> groups.addAll(m.keySet()));
        List<String> ordered = new ArrayList<>(groups);
        if (ordered.remove("all")) {
            ordered.add("all");
        }
        for (String g : ordered) {
            metrics.forEach((pred, m) -> {
                Metrics x = m.get(g);
                if (x != null) {
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.4f | %.4f | %.4f | %.4f | %+.4f | %.4f | %s | %d |%n",
                            g, pred, x.runs(), x.finalMae(), x.finalRmse(), x.finalAre(), x.spearman(),
                            x.finalMedianError(), x.finalMaeLessOffset(),
                            Double.isNaN(x.curveMae()) ? "–" : String.format(Locale.ROOT, "%.4f", x.curveMae()),
                            x.curvePoints()));
                }
            });
        }
        sb.append('\n');
        sb.append(stoppedEarly(ordered));
        sections.values().forEach(x -> sb.append(x.markdown()));
        for (String source : sources()) {
            sb.append("## ").append(source).append("\n\n");
            sb.append("![predicted vs true final loss](scatter-").append(FileNames.component(source)).append(".png)\n\n");
            sb.append("![true (solid) and predicted (dashed) curves](curves-").append(FileNames.component(source))
                    .append(".png)\n\n");
        }
        return sb.toString();
    }

    /**
     * The runs whose curves stop well before their schedules end, and the final-loss MAE had they been scored
     * by the loss predicted at their schedules' end or left out; empty where no scored run stops early.
     */
    private String stoppedEarly(List<String> groups) {
        StringBuilder sb = new StringBuilder();
        for (String g : groups) {
            metrics.forEach((pred, m) -> {
                Metrics x = m.get(g);
                if (x != null && x.stoppedEarly() > 0) {
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.4f | %.4f | %.4f |%n", g, pred,
                            x.runs(), x.stoppedEarly(), x.finalMae(), x.finalMaeAtScheduleEnd(),
                            x.finalMaeReachingScheduleEnd()));
                }
            });
        }
        if (sb.length() == 0) {
            return "";
        }
        return "## Runs that stop early\n\nSome runs' curves stop well before their schedules end (more than two logging"
                + " intervals and 5% of the schedule). Their last logged loss, the final loss as the run format defines"
                + " it, is not the loss their schedules would have reached, so the table above scores each predictor's"
                + " curve at their last logged step against it. Scored instead by the loss predicted at their"
                + " schedules' end, as every run was until 2026-11-25 (a predictor whose final loss already is the"
                + " loss at the last logged step, such as one that sees a prefix of the curve, reads the same in"
                + " both). The last column leaves those runs out, and so reads the same under either convention:\n\n"
                + "| group | predictor | runs | of them stopped early | final MAE (as above) | final MAE, those at their"
                + " schedule's end | final MAE without them |\n|---|---|---:|---:|---:|---:|---:|\n" + sb + "\n";
    }

    private TreeSet<String> sources() {
        TreeSet<String> s = new TreeSet<>();
        runs.forEach(r -> s.add(r.source()));
        return s;
    }

    /** Writes report.md, figures.json and the plots into {@code dir}. */
    public void write(Path dir) throws IOException {
        for (String source : sources()) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                if (runs.get(i).source().equals(source)) {
                    idx.add(i);
                }
            }
            List<Run> sub = idx.stream().map(runs::get).toList();
            Map<String, List<Prediction>> subPred = new LinkedHashMap<>();
            predictions.forEach((k, v) -> subPred.put(k, idx.stream().map(v::get).toList()));
            Plots.scatter(FileNames.inside(dir, "scatter-", source, ".png"), source + ": predicted vs true final loss",
                    sub, subPred);
            Plots.curves(FileNames.inside(dir, "curves-", source, ".png"), source + ": true (solid) vs predicted (dashed)",
                    sub, subPred, 5);
        }
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("name", name);
        json.put("description", description);
        json.set("provenance", Json.MAPPER.valueToTree(provenance));
        json.set("metrics", Json.MAPPER.valueToTree(metrics));
        sections.forEach((k, x) -> json.set(k, Json.MAPPER.valueToTree(x.figures())));
        Json.writePretty(dir.resolve("figures.json"), json);
        AtomicFiles.writeString(dir.resolve("report.md"), markdown());
    }
}
