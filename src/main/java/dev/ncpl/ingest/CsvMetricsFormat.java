package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A CSV export of logged metrics, one row per logged step: a W&B run's history export ({@code _step}
 * column), PyTorch Lightning's {@code metrics.csv} ({@code step} column; rows are sparse, each holds
 * the metrics logged at that step) or any CSV with a step column. The config comes from a JSON/YAML
 * file beside it (config.yaml, hparams.yaml, …). Loss columns are read, and a learning-rate column
 * when there is one (the schedule is recovered from it, see {@link ScheduleInference}).
 */
public final class CsvMetricsFormat implements LogFormat {
    /** Step columns, in order of preference. */
    static final List<String> STEP_COLUMNS = List.of("_step", "step", "global_step", "trainer/global_step", "iteration", "iter");

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public boolean detects(Path path) {
        if (!Files.isRegularFile(path) || !path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(path)) {
            String header = r.readLine();
            if (header == null) {
                return false;
            }
            List<String> cols = List.of(header.toLowerCase(Locale.ROOT).replace("\"", "").split(","));
            return STEP_COLUMNS.stream().anyMatch(cols::contains) && cols.stream().anyMatch(c -> c.contains("loss"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public List<ImportedLog> read(Path file) throws IOException {
        CsvMapper mapper = new CsvMapper();
        Map<String, TreeMap<Long, Double>> series = new TreeMap<>();
        try (MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            long line = 1;
            String stepColumn = null;
            while (rows.hasNextValue()) {
                Map<String, String> row = rows.nextValue();
                line++;
                if (stepColumn == null) {
                    stepColumn = STEP_COLUMNS.stream().filter(c -> row.keySet().stream()
                            .anyMatch(k -> k.equalsIgnoreCase(c))).findFirst()
                            .flatMap(c -> row.keySet().stream().filter(k -> k.equalsIgnoreCase(c)).findFirst())
                            .orElseThrow(() -> new IOException(file + ": no step column (" + STEP_COLUMNS + ")"));
                }
                String stepCell = row.get(stepColumn);
                if (stepCell == null || stepCell.isBlank()) {
                    continue;
                }
                long step = (long) parse(file, line, stepColumn, stepCell);
                for (Map.Entry<String, String> e : row.entrySet()) {
                    if (e.getKey().equals(stepColumn) || e.getValue() == null || e.getValue().isBlank()
                            || e.getKey().startsWith("_")) {
                        continue;
                    }
                    if (e.getKey().toLowerCase(Locale.ROOT).contains("loss") || ScheduleInference.isLearningRate(e.getKey())) {
                        series.computeIfAbsent(e.getKey(), k -> new TreeMap<>())
                                .put(step, parse(file, line, e.getKey(), e.getValue()));
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ":" + e.getLocation().getLineNr() + ": malformed CSV: " + e.getOriginalMessage());
        }
        String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
        Path dir = file.toAbsolutePath().getParent();
        if (name.equals("metrics") || name.equals("history")) {
            name = dir.getFileName().toString();
        }
        return List.of(new ImportedLog(file, name, SideConfig.in(dir), series));
    }

    private static double parse(Path file, long line, String column, String cell) throws IOException {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new IOException(file + ":" + line + ": column " + column + ": not a number: '" + cell + "'");
        }
    }
}
