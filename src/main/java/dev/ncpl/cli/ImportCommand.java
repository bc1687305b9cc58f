package dev.ncpl.cli;

import dev.ncpl.ingest.ConfigMapper;
import dev.ncpl.ingest.LogImporter;
import dev.ncpl.runs.ConfigLimits;
import dev.ncpl.util.OutputTarget;
import dev.ncpl.util.Terminal;
import dev.ncpl.runs.RunWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ncpl import}: converts training logs (HuggingFace Trainer, W&B/Lightning CSV exports, MLflow
 * file stores, TensorBoard event files) into a runs JSONL file, auto-detecting each run's format.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Convert training logs into the run format, detecting each run's format: HuggingFace Trainer "
                + "output (trainer_state.json + config.json), CSV metric exports (W&B history, Lightning metrics.csv) "
                + "with a config.yaml/hparams.yaml beside them, MLflow file stores (mlruns/), TensorBoard event files. "
                + "Folders are searched. A log that cannot be imported is reported and the others still are (exit 1 "
                + "if any failed).")
public final class ImportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Log files or folders.")
    List<Path> paths;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Runs file to write (JSONL).")
    Path out;

    @Option(names = "--source", defaultValue = "mine", paramLabel = "NAME",
            description = "Source name of the imported runs (default: ${DEFAULT-VALUE}); a fine-tuned model learns one "
                    + "Chinchilla law per source.")
    String source;

    @Option(names = "--metric", paramLabel = "SERIES",
            description = "The logged series to use as the loss curve (default: an eval/validation loss when logged, "
                    + "otherwise the training loss).")
    String metric;

    @Option(names = "--set", paramLabel = "KEY=VALUE", split = ",",
            description = "Config values the logs lack, set on every imported run: --set data.seq_len=2048,"
                    + "data.batch_size=256")
    Map<String, String> overrides = new LinkedHashMap<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter err = spec.commandLine().getErr();
        overrides.forEach((key, value) -> ConfigLimits.problem(key, ConfigMapper.scalar(value)).ifPresent(problem -> {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--set " + key + "=" + value + ": "
                    + key + " " + problem);
        }));
        OutputTarget.checkNotInput("--out", out, paths);
        LogImporter.Result result = new LogImporter(new LogImporter.Settings(source, metric, overrides)).importAll(paths);
        for (LogImporter.Imported i : result.runs()) {
            System.out.printf(Locale.ROOT, "imported %s (%s, %d points of %s) from %s%n", Terminal.safe(i.run().id()),
                    i.format(), i.run().curve().size(), Terminal.safe(i.run().metric()), i.origin());
            i.warnings().forEach(w -> System.out.println("  warning: " + Terminal.safe(w)));
        }
        for (LogImporter.Failure f : result.failures()) {
            err.println("ncpl import: " + Terminal.safe(f.problem().startsWith(f.path().toString()) ? f.problem()
                    : f.path() + ": " + f.problem()));
        }
        if (!result.runs().isEmpty()) {
            RunWriter.writeAll(out, result.runs().stream().map(LogImporter.Imported::run).toList());
            System.out.printf(Locale.ROOT, "wrote %d runs to %s%n", result.runs().size(), out);
        }
        if (!result.failures().isEmpty()) {
            err.printf(Locale.ROOT, "ncpl import: %d of %d logs failed%n", result.failures().size(),
                    result.failures().size() + result.runs().size());
            err.flush();
            return 1;
        }
        return 0;
    }
}
