package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * HuggingFace Trainer output: {@code trainer_state.json} (its {@code log_history} holds the logged
 * losses) with the model's {@code config.json} and the training arguments ({@code training_args.json}
 * when exported; the Trainer's own {@code training_args.bin} is a pickle and cannot be read). A
 * folder of {@code checkpoint-N} subfolders is one run: the latest checkpoint's state is used.
 */
public final class HuggingFaceFormat implements LogFormat {
    static final String STATE = "trainer_state.json";
    static final String ARGS = "training_args.json";
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");
    /** log_history keys that are not scalars of the run. */
    private static final List<String> NOT_SERIES = List.of("step", "epoch", "total_flos", "train_runtime",
            "train_samples_per_second", "train_steps_per_second", "eval_runtime", "eval_samples_per_second",
            "eval_steps_per_second", "grad_norm", "learning_rate", "num_input_tokens_seen");

    @Override
    public String name() {
        return "huggingface";
    }

    @Override
    public boolean detects(Path path) {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().equals(STATE);
        }
        return Files.isDirectory(path) && (Files.isRegularFile(path.resolve(STATE)) || latestCheckpoint(path).isPresent());
    }

    @Override
    public List<ImportedLog> read(Path path) throws IOException {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        Path stateDir = Files.isRegularFile(dir.resolve(STATE)) ? dir : latestCheckpoint(dir).orElseThrow();
        Path stateFile = stateDir.resolve(STATE);
        JsonNode state = SideConfig.read(stateFile);
        JsonNode history = state.get("log_history");
        if (history == null || !history.isArray()) {
            throw new IOException(stateFile + ": no log_history list (is this a Trainer's trainer_state.json?)");
        }
        Map<String, TreeMap<Long, Double>> series = new TreeMap<>();
        for (int i = 0; i < history.size(); i++) {
            JsonNode e = history.get(i);
            if (!e.has("step") || !e.get("step").isNumber()) {
                throw new IOException(stateFile + ": log_history[" + i + "]: no numeric step");
            }
            long step = e.get("step").asLong();
            for (var it = e.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!NOT_SERIES.contains(f.getKey()) && f.getValue().isNumber()) {
                    series.computeIfAbsent(f.getKey(), k -> new TreeMap<>()).put(step, f.getValue().asDouble());
                }
            }
        }
        // the model's config.json and any other config files, then the exported training arguments, in the
        // output folder and then in the checkpoint read (later ones win)
        List<JsonNode> configs = new ArrayList<>();
        for (Path d : stateDir.equals(dir) ? List.of(dir) : List.of(dir, stateDir)) {
            configs.addAll(SideConfig.in(d));
            if (Files.isRegularFile(d.resolve(ARGS))) {
                configs.add(SideConfig.read(d.resolve(ARGS)));
            }
        }
        configs.add(fromState(state, configs));
        String name = configs.stream().map(c -> c.path("run_name").asText("")).filter(s -> !s.isBlank()).findFirst()
                .orElse(dir.getFileName().toString());
        return List.of(new ImportedLog(stateFile, name, configs, series));
    }

    /** What the state itself tells: the planned steps and the global batch size. */
    private static JsonNode fromState(JsonNode state, List<JsonNode> configs) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (state.path("max_steps").asLong(0) > 0) {
            o.put("max_steps", state.get("max_steps").asLong());
        }
        for (JsonNode c : configs) {
            if (c.has("per_device_train_batch_size")) {
                long global = c.get("per_device_train_batch_size").asLong() * c.path("gradient_accumulation_steps").asLong(1)
                        * Math.max(1, c.path("world_size").asLong(1));
                o.put("global_batch_size", global);
            }
        }
        return o;
    }

    private static Optional<Path> latestCheckpoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparingLong(HuggingFaceFormat::checkpointNumber));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long checkpointNumber(Path p) {
        Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
