package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.Scale;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Imports training logs into ncpl's run format: walks the given files and folders, recognises each
 * run's format (HuggingFace Trainer, MLflow file store, TensorBoard events, CSV metric exports), picks
 * the loss series (an eval/validation loss before a training loss, or the one named), maps the
 * hyperparameters with {@link ConfigMapper} and validates the result as strictly as a runs file. A run
 * that cannot be imported is reported with its file and problem; the others still import.
 */
public final class LogImporter {
    /** The formats tried on each path, in order. */
    public static final List<LogFormat> FORMATS = List.of(new HuggingFaceFormat(), new MlflowFormat(),
            new TensorBoardFormat(), new CsvMetricsFormat());

    /**
     * How to import.
     *
     * @param source the source name given to every imported run
     * @param metric the series to use as the loss curve (null: chosen automatically)
     * @param overrides config values to set on every run ({@code data.seq_len} → 2048), for facts the logs lack
     */
    public record Settings(String source, String metric, Map<String, String> overrides) {}

    /** One imported run, with what the user should know about it. */
    public record Imported(Run run, String format, Path origin, List<String> warnings) {}

    /** A path (file or folder) that could not be imported, and why. */
    public record Failure(Path path, String problem) {}

    /** Everything an import produced. */
    public record Result(List<Imported> runs, List<Failure> failures) {}

    private final Settings settings;

    public LogImporter(Settings settings) {
        this.settings = settings;
    }

    /**
     * Imports every run found under {@code paths}. A symbolic link below a given folder is read only where it
     * leads inside that folder ({@link ImportScope}); a path given itself is read wherever it leads.
     */
    public Result importAll(List<Path> paths) {
        List<Imported> runs = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                failures.add(new Failure(p, "no such file or folder"));
                continue;
            }
            int before = runs.size() + failures.size();
            try {
                visit(p, ImportScope.of(p), runs, failures, ids);
            } catch (IOException e) {
                failures.add(new Failure(p, "cannot read: " + e.getMessage()));
            }
            if (runs.size() + failures.size() == before) {
                failures.add(new Failure(p, "no training log found (looked for trainer_state.json, an MLflow run, "
                        + "events.out.tfevents.* files, a CSV with a step and a loss column)"));
            }
        }
        return new Result(runs, failures);
    }

    private void visit(Path p, ImportScope scope, List<Imported> runs, List<Failure> failures, Set<String> ids) {
        if (!scope.inside(p)) {
            failures.add(new Failure(p, scope.outside(p)));
            return;
        }
        if (Files.isDirectory(p) && !scope.firstVisit(p)) {
            return; // a link back to a folder already walked
        }
        for (LogFormat f : FORMATS) {
            if (f.detects(p)) {
                try {
                    Optional<Path> escaping = scope.escapingLink(p);
                    if (escaping.isPresent()) {
                        failures.add(new Failure(escaping.get(), scope.outside(escaping.get())));
                        return;
                    }
                    for (ImportedLog log : f.read(p)) {
                        try {
                            runs.add(toRun(log, f.name(), ids));
                        } catch (IOException | IllegalArgumentException e) {
                            failures.add(new Failure(log.origin(), e.getMessage()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add(new Failure(p, e.getMessage() == null ? e.toString() : e.getMessage()));
                }
                return;
            }
        }
        if (Files.isDirectory(p)) {
            try (Stream<Path> children = Files.list(p)) {
                for (Path c : children.sorted(Comparator.comparing(Path::toString)).toList()) {
                    visit(c, scope, runs, failures, ids);
                }
            } catch (IOException e) {
                failures.add(new Failure(p, "cannot list: " + e.getMessage()));
            }
        }
    }

    private Imported toRun(ImportedLog log, String format, Set<String> ids) throws IOException {
        String metric = chooseMetric(log.series().keySet(), settings.metric())
                .orElseThrow(() -> new IOException(log.origin() + ": no loss series to import (series: "
                        + String.join(", ", log.series().keySet()) + "; name one with --metric)"));
        TreeMap<Long, Double> points = log.series().get(metric);
        ArrayNode curve = Json.MAPPER.createArrayNode();
        points.forEach((step, loss) -> {
            if (step >= 0) {
                curve.addArray().add(step).add(loss);
            }
        });
        if (curve.isEmpty()) {
            throw new IOException(log.origin() + ": series '" + metric + "' has no points");
        }
        List<JsonNode> configs = new ArrayList<>(log.configs());
        configs.add(overrides());
        ObjectNode config = ConfigMapper.map(configs, points.lastKey());
        String inferred = inferSchedule(log, config);
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("id", uniqueId(settings.source() + "/" + log.name(), ids));
        doc.put("source", settings.source());
        doc.put("split", "train");
        doc.put("metric", metric);
        doc.set("config", config);
        doc.set("curve", curve);
        Run run = RunReader.parse(log.origin().toString(), doc);
        List<String> warnings = warnings(run);
        if (inferred != null) {
            warnings.add(inferred);
        }
        return new Imported(run, format, log.origin(), warnings);
    }

    /**
     * Fills in the schedule from the logged learning rate when the config names none; keys the config
     * already has are kept. Returns a note saying what was inferred, or null.
     */
    private static String inferSchedule(ImportedLog log, ObjectNode config) {
        Optional<String> lrName = ScheduleInference.learningRateSeries(log.series().keySet());
        if (lrName.isEmpty() || ConfigMapper.has(config, "schedule.lr_schedule")
                || ConfigMapper.has(config, "schedule.lr_scheduler_type") || ConfigMapper.has(config, "schedule.lr_decay_style")
                || ConfigMapper.has(config, "lr_scheduler")) {
            return null;
        }
        double total = ConfigMapper.number(config, "schedule.total_steps").orElse(0.0);
        Double warmup = ConfigMapper.number(config, "schedule.warmup_steps").orElse(null);
        Map<String, Object> keys = ScheduleInference.infer(log.series().get(lrName.get()), total, warmup);
        List<String> set = new ArrayList<>();
        keys.forEach((k, v) -> {
            if (!ConfigMapper.has(config, k)) {
                ConfigMapper.put(config, k, Json.MAPPER.valueToTree(v));
                set.add(k.substring(k.indexOf('.') + 1) + "=" + v);
            }
        });
        return set.isEmpty() ? null : "schedule inferred from the logged '" + lrName.get() + "': " + String.join(", ", set);
    }

    private JsonNode overrides() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        settings.overrides().forEach((k, v) -> ConfigMapper.put(o, k, Json.MAPPER.getNodeFactory().textNode(v)));
        return o;
    }

    private static String uniqueId(String id, Set<String> ids) {
        String out = id;
        for (int k = 2; !ids.add(out); k++) {
            out = id + "#" + k;
        }
        return out;
    }

    /** What the predictor will miss in this run's config. */
    private static List<String> warnings(Run run) {
        List<String> w = new ArrayList<>();
        if (Scale.params(run).isEmpty()) {
            w.add("no model size: set model.n_layers, model.d_model, model.d_ff and model.activation (or model.ffn: "
                    + "gated|plain), or model.non_embedding_params (--set KEY=VALUE)");
        }
        if (Scale.tokens(run).isEmpty()) {
            w.add("no token budget: set data.batch_size and data.seq_len, or data.tokens_total (--set KEY=VALUE)");
        }
        if (run.text("optimizer.name").isEmpty()) {
            w.add("no optimizer name (--set optimizer.name=adamw)");
        }
        if (run.stopsEarly()) {
            w.add(String.format(java.util.Locale.ROOT, "the curve stops at step %.0f of the schedule's %.0f: its last "
                    + "loss will be read as the final loss (if the run went on, log it to the end; if it was cut "
                    + "short, set schedule.total_steps to where it stopped)", run.curve().lastStep(),
                    run.number("schedule.total_steps").orElseThrow()));
        }
        return w;
    }

    /**
     * The loss series to import: {@code requested} when given (matched case-insensitively), otherwise
     * an evaluation/validation loss before a training loss, the shortest name first.
     */
    static Optional<String> chooseMetric(Set<String> names, String requested) throws IOException {
        if (requested != null) {
            Optional<String> hit = names.stream().filter(n -> n.equalsIgnoreCase(requested)).findFirst();
            if (hit.isEmpty()) {
                throw new IOException("no series '" + requested + "' (series: " + String.join(", ", names) + ")");
            }
            return hit;
        }
        return names.stream().filter(n -> rank(n) < 3)
                .min(Comparator.comparingInt(LogImporter::rank).thenComparingInt(String::length)
                        .thenComparing(Comparator.naturalOrder()));
    }

    private static int rank(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!n.contains("loss") || n.contains("aux") || n.contains("z_loss") || n.contains("scale") || n.contains("grad")) {
            return 3;
        }
        if (n.contains("eval") || n.contains("val")) {
            return 0;
        }
        return n.contains("train") || n.equals("loss") ? 1 : 2;
    }
}
