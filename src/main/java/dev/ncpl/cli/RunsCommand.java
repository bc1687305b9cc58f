package dev.ncpl.cli;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.RunStats;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ncpl runs …}: inspect and validate run files. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Inspect and validate run files.",
        subcommands = {RunsCommand.Stats.class})
public final class RunsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand (stats)");
    }

    /** {@code ncpl runs stats FILE…}: validates the files and prints counts. */
    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Validate run files and print counts by source, split, model size and token budget, and the runs "
                    + "whose curves stop well before their schedules end.")
    static final class Stats implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Run files (JSONL).")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            RunStats stats = new RunStats();
            for (Path f : files) {
                try (RunReader r = RunReader.open(f, RunReader.Options.STRICT)) {
                    while (r.hasNext()) {
                        Run run = r.next();
                        stats.add(run);
                    }
                }
            }
            System.out.print(stats.render());
            return 0;
        }
    }
}
