package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An MLflow file store run ({@code mlruns/<experiment>/<run>/}): {@code params/<name>} files hold one
 * value each, {@code metrics/<name>} files one {@code timestamp value step} line per logged point, and
 * {@code tags/mlflow.runName} the run's name. Walking {@code mlruns/} finds every run in it.
 */
public final class MlflowFormat implements LogFormat {
    @Override
    public String name() {
        return "mlflow";
    }

    @Override
    public boolean detects(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve("meta.yaml"))
                && Files.isDirectory(path.resolve("metrics"));
    }

    @Override
    public List<ImportedLog> read(Path dir) throws IOException {
        ObjectNode params = Json.MAPPER.createObjectNode();
        Path paramDir = dir.resolve("params");
        if (Files.isDirectory(paramDir)) {
            for (Path p : files(paramDir)) {
                params.put(paramDir.relativize(p).toString().replace('/', '.'),
                        Files.readString(p, StandardCharsets.UTF_8).trim());
            }
        }
        Map<String, TreeMap<Long, Double>> series = new TreeMap<>();
        Path metricDir = dir.resolve("metrics");
        for (Path m : files(metricDir)) {
            String name = metricDir.relativize(m).toString();
            TreeMap<Long, Double> points = new TreeMap<>();
            List<String> lines = Files.readAllLines(m, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                try {
                    if (parts.length < 2) {
                        throw new NumberFormatException("expected 'timestamp value step'");
                    }
                    long step = parts.length >= 3 ? Long.parseLong(parts[2]) : i;
                    points.put(step, Double.parseDouble(parts[1]));
                } catch (NumberFormatException e) {
                    throw new IOException(m + ":" + (i + 1) + ": malformed metric line '" + line
                            + "' (expected 'timestamp value step')");
                }
            }
            series.put(name, points);
        }
        Path runName = dir.resolve("tags").resolve("mlflow.runName");
        String name = Files.isRegularFile(runName) ? Files.readString(runName).trim() : dir.getFileName().toString();
        List<JsonNode> configs = new java.util.ArrayList<>(List.of(params));
        configs.addAll(SideConfig.in(dir));
        return List.of(new ImportedLog(dir, name, configs, series));
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
