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
            ScoreCommand.class, TuneCommand.class, BenchCommand.class, RefitCommand.class, CalibrateCommand.class, ImportCommand.class,
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
            err.println("ncpl: " + dev.ncpl.util.Terminal.safe(message(ex)));
            if (System.getenv("NCPL_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
    }

    /**
     * The one line printed for a failure. A file-system error names its file and says what is wrong with it (the
     * JDK's own messages give the bare path for a missing file); an error without a message at least says what
     * kind it is.
     */
    static String message(Throwable ex) {
        if (ex instanceof java.io.UncheckedIOException u && u.getCause() != null && u.getMessage() == null) {
            return message(u.getCause());
        }
        if (ex instanceof java.nio.file.FileSystemException fs) {
            String reason = ex instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                    : ex instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : ex instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : ex instanceof java.nio.file.NotDirectoryException ? "not a folder"
                    : ex instanceof java.nio.file.DirectoryNotEmptyException ? "folder not empty"
                    : fs.getReason() == null ? ex.getClass().getSimpleName() : fs.getReason();
            return (fs.getFile() == null ? "" : fs.getFile() + ": ") + reason
                    + (fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")");
        }
        if (ex instanceof java.nio.charset.CharacterCodingException) {
            return "a file is not UTF-8 text: " + ex.getClass().getSimpleName();
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (raise the heap with NCPL_XMX, for example NCPL_XMX=12g)";
        }
        String m = ex.getMessage();
        return m == null ? ex.getClass().getSimpleName() : m;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("ncpl: " + message(e));
            code = 1;
        }
        System.exit(code);
    }
}
