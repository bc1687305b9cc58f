package dev.ncpl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.predict.Batches;
import dev.ncpl.predict.CandidateRanker;
import dev.ncpl.predict.NeuralPredictor;
import dev.ncpl.runs.ConfigFlattener;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Json;
import dev.ncpl.util.ProgressBar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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
    /** At most this many differing keys are shown as columns. */
    static final int MAX_COLUMNS = 6;

    @Option(names = "--runs", required = true, paramLabel = "FILE",
            description = "Candidate configs: JSONL, one JSON/YAML config, or CSV (one candidate a row).")
    Path runs;

    @Option(names = "--source", paramLabel = "NAME", description = "Source of candidates that name none.")
    String source;

    @picocli.CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--top", defaultValue = "10", description = "How many to keep and show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--at-step", paramLabel = "STEP", description = "Rank by the predicted loss at this step.")
    Double atStep;

    @Option(names = "--at-tokens", paramLabel = "TOKENS", description = "Rank by the predicted loss after this many tokens.")
    Double atTokens;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the top k as JSONL: {\"rank\", \"id\", \"loss\", \"config\"}.")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<CandidateRanker.Scored> best;
        long seen;
        try (NeuralPredictor predictor = NeuralPredictor.load(model.model);
             CandidateReader reader = CandidateReader.open(runs, source);
             ProgressBar bar = new ProgressBar("score", CandidateReader.count(runs))) {
            CandidateRanker ranker = new CandidateRanker(predictor, top, atStep, atTokens);
            Batches.forEach(reader, NeuralPredictor.BATCH, chunk -> {
                ranker.offer(chunk);
                bar.step(chunk.size());
            });
            best = ranker.best();
            seen = ranker.seen();
        }
        String what = atStep != null ? "loss at step " + atStep.longValue()
                : atTokens != null ? String.format(Locale.ROOT, "loss at %.3g tokens", atTokens) : "final loss";
        System.out.printf(Locale.ROOT, "top %d of %d candidates by predicted %s%n", best.size(), seen, what);
        System.out.print(table(best));
        if (out != null) {
            try (AtomicLineWriter w = new AtomicLineWriter(out)) {
                for (int i = 0; i < best.size(); i++) {
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    o.put("rank", i + 1);
                    o.put("id", best.get(i).run().id());
                    o.put("loss", best.get(i).loss());
                    o.set("config", best.get(i).run().config());
                    w.line(Json.MAPPER.writeValueAsString(o));
                }
                w.commit();
            }
        }
        return 0;
    }

    /** The ranked table, with a column for each config key whose value differs among the rows. */
    static String table(List<CandidateRanker.Scored> rows) {
        List<Map<String, JsonNode>> flat = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        for (CandidateRanker.Scored s : rows) {
            Map<String, JsonNode> m = new TreeMap<>();
            ConfigFlattener.flatten("", s.run().config(), m);
            flat.add(m);
            keys.addAll(m.keySet());
        }
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            Set<String> values = new LinkedHashSet<>();
            flat.forEach(m -> values.add(Objects.toString(m.get(key))));
            if (values.size() > 1 && differing.size() < MAX_COLUMNS) {
                differing.add(key);
            }
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%4s  %-40s %9s", "rank", "id", "loss"));
        differing.forEach(k -> sb.append(String.format(Locale.ROOT, "  %14s", shortKey(k))));
        sb.append('\n');
        for (int i = 0; i < rows.size(); i++) {
            String id = rows.get(i).run().id();
            sb.append(String.format(Locale.ROOT, "%4d  %-40s %9.4f", i + 1,
                    id.length() > 40 ? "…" + id.substring(id.length() - 39) : id, rows.get(i).loss()));
            for (String k : differing) {
                JsonNode v = flat.get(i).get(k);
                sb.append(String.format(Locale.ROOT, "  %14s", v == null ? "-"
                        : v.isNumber() ? String.format(Locale.ROOT, "%.4g", v.asDouble()) : v.asText()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String shortKey(String key) {
        return key.length() > 14 ? key.substring(key.length() - 14) : key;
    }
}
