package dev.ncpl.cli;

import dev.ncpl.runs.InvalidRunException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code ncpl} command line. Exit codes: 0 success, 1 failure (bad input file,
 * failed training…), 2 bad usage (unknown option, missing argument).
 */
@Command(name = "ncpl", mixinStandardHelpOptions = true, version = "ncpl 0.1.0",
        description = "Predicts the final loss and loss curve of a language-model pretraining run from its "
                + "configuration, beside a fitted Chinchilla baseline.",
        subcommands = {RunsCommand.class, BaselineCommand.class, TrainCommand.class, PredictCommand.class,
            ScoreCommand.class, TuneCommand.class, BenchCommand.class, PrefixCommand.class, CalibrateCommand.class, ImportCommand.class,
            EvalCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with ncpl's error handling: a one-line message and exit code 1. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            err.println("ncpl: " + message(ex));
            if (System.getenv("NCPL_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    static String message(Throwable ex) {
        if (ex instanceof InvalidRunException) {
            return ex.getMessage();
        }
        String m = ex.getMessage();
        return m == null ? ex.getClass().getSimpleName() : m;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}
