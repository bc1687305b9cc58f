package dev.ncpl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes and messages of the command line: 0 ok, 1 failure, 2 bad usage. */
class CliTest {
    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {}

    private Outcome run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            // built after System.out is replaced: picocli's help writer is bound to System.out when it is made
            CommandLine cl = Main.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void importWritesTheGoodRunsAndFailsNamingTheBadFile() throws IOException {
        Run generated = Fixtures.runs(3, 3, 0.0, 4, "gen").get(2);
        dev.ncpl.testing.LogFixtures.lightning(dir.resolve("logs/version_0"), generated);
        Path bad = dir.resolve("logs/version_1/metrics.csv");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "step,val_loss\n10,3.0\n20,x\n");
        Path out = dir.resolve("imported.jsonl");
        Outcome o = run("import", dir.resolve("logs").toString(), "--out", out.toString(), "--source", "team");
        assertEquals(1, o.code());
        assertTrue(o.out().contains("imported team/version_0"), o.out());
        assertTrue(o.err().contains(bad + ":3") && o.err().contains("1 of 2 logs failed"), o.err());
        List<Run> back = dev.ncpl.runs.RunReader.readAll(List.of(out));
        assertEquals(1, back.size());
        org.junit.jupiter.api.Assertions.assertArrayEquals(generated.curve().losses(), back.get(0).curve().losses(), 1e-6);
        // all good: exit 0
        Files.delete(bad);
        assertEquals(0, run("import", dir.resolve("logs").toString(), "--out", out.toString()).code());
        assertEquals(2, run("import", "--out", out.toString()).code());
    }

    @Test
    void helpAndBadUsage() {
        assertEquals(0, run("--help").code());
        assertEquals(0, run("eval", "--help").code());
        assertEquals(2, run("--no-such-option").code());
        assertEquals(2, run("predict").code());
        assertEquals(2, run("runs").code());
    }

    /** A stray % in a description makes picocli print a format warning instead of the help text. */
    @Test
    void everyHelpTextFormatsWithoutWarnings() {
        PrintStream old = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            // each command once, by its name (an alias such as prefix for refit prints the command's own usage)
            for (String sub : Main.commandLine().getSubcommands().values().stream().map(CommandLine::getCommandName)
                    .distinct().toList()) {
                Outcome o = run(sub, "--help");
                assertEquals(0, o.code(), sub);
                assertTrue(o.out().contains("Usage: ncpl " + sub), sub + ": " + o.out());
            }
        } finally {
            System.setErr(old);
        }
        String w = warnings.toString(StandardCharsets.UTF_8);
        assertTrue(w.isEmpty(), w);
    }

    @Test
    void statsCountsGeneratedRuns() throws IOException {
        Path f = dir.resolve("runs.jsonl");
        List<dev.ncpl.runs.Run> runs = new java.util.ArrayList<>(Fixtures.runs(30, 3, 0.01, 1, "fx"));
        assertTrue(runs.stream().noneMatch(dev.ncpl.runs.Run::stopsEarly), "generated curves run to the end");
        RunWriter.writeAll(f, runs);
        Outcome o = run("runs", "stats", f.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("runs: 30"), o.out());
        assertTrue(o.out().contains("fx / in_val"), o.out());
        assertTrue(!o.out().contains("stop early"), o.out());

        // a run whose log ends at half its schedule is counted and named
        dev.ncpl.runs.Run full = runs.get(0);
        double total = full.number("schedule.total_steps").orElseThrow();
        dev.ncpl.runs.Run half = full.withCurve(full.curve().prefix(total / 2));
        assertTrue(half.stopsEarly() && !full.stopsEarly());
        assertTrue(!full.withCurve(full.curve().prefix(0.97 * total)).stopsEarly(), "the last few percent missing is not early");
        runs.set(0, half);
        RunWriter.writeAll(f, runs);
        o = run("runs", "stats", f.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("curves that stop early"), o.out());
        assertTrue(o.out().contains("e.g. " + half.id() + " (last step " + (long) half.curve().lastStep()), o.out());
    }

    @Test
    void eachKindOfBadFileExitsOneWithFileLineAndField() throws IOException {
        String good = RunWriter.toJson(Fixtures.runs(1, 1, 0.0, 1, "fx").get(0)).toString();
        String other = good.replace("\"fx/run-0\"", "\"fx/other\"");
        List<String[]> cases = List.of(
                new String[] {"{not json", "malformed JSON"},
                new String[] {other.replaceFirst(",\"curve\":\\[.*\\]\\]", ""), "field 'curve': missing"},
                new String[] {other.replaceFirst("\\[(\\d+),([0-9.]+)\\]\\]}$", "[$1,NaN]]}"), "loss is NaN"},
                new String[] {other.replaceFirst("\\[(\\d+),([0-9.]+)\\]\\]}$", "[$1,-1.0]]}"), "loss must be positive"},
                new String[] {other.replaceFirst("\\[(\\d+),([0-9.]+)\\]\\]}$", "[1,3.0]]}"), "steps must increase"},
                new String[] {other.replaceFirst("\\[(\\d+),([0-9.]+)\\]\\]}$", "[$1,99.0]]}"), "diverged"});
        for (String[] c : cases) {
            Path f = dir.resolve("bad.jsonl");
            Files.writeString(f, good + "\n" + c[0] + "\n");
            Outcome o = run("runs", "stats", f.toString());
            assertEquals(1, o.code(), c[1] + ": " + o.err());
            assertTrue(o.err().contains(f + ":2:"), o.err());
            assertTrue(o.err().contains(c[1]), c[1] + " not in: " + o.err());
        }
        Path dup = dir.resolve("dup.jsonl");
        Files.writeString(dup, good + "\n" + good + "\n");
        Outcome o = run("runs", "stats", dup.toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains(dup + ":2: field 'id': duplicate id"), o.err());
    }

    @Test
    void evalWritesAReportForGeneratedRuns() throws IOException {
        Path f = dir.resolve("runs.jsonl");
        RunWriter.writeAll(f, Fixtures.runs(80, 4, 0.01, 1, "fx"));
        Outcome o = run("eval", "--runs", f.toString(), "--out", dir.resolve("eval").toString(), "--name", "t");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("chinchilla   fx/in_val"), o.out());
        assertTrue(Files.isRegularFile(dir.resolve("eval/t/report.md")));
        assertTrue(Files.isRegularFile(dir.resolve("eval/t/scatter-fx.png")));
    }

    @Test
    void evalScoresTheRunsOfAFileOfTheirOwnGroupedBySize() throws IOException {
        Path f = dir.resolve("runs.jsonl");
        RunWriter.writeAll(f, Fixtures.runs(80, 4, 0.01, 1, "fx"));
        // larger shapes than any the baseline learns from, in a file of their own (their split is not looked at)
        Path larger = dir.resolve("larger.jsonl");
        java.util.Random rnd = new java.util.Random(5);
        RunWriter.writeAll(larger, List.of(Fixtures.run("fx/big-1", "fx", "train", 20, 1280, 3e-3, 20, 0.01, rnd),
                Fixtures.run("fx/big-2", "fx", "train", 20, 1280, 1e-2, 20, 0.01, rnd)));
        Outcome o = run("eval", "--runs", f.toString(), "--score", larger.toString(),
                "--out", dir.resolve("eval").toString(), "--name", "larger");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("chinchilla   fx/" + String.format(java.util.Locale.ROOT, "%.3gM",
                20 * (4.0 * 1280 * 1280 + 3.0 * 1280 * 4 * 1280) / 1e6) + " "), o.out());
        assertTrue(o.out().contains("runs    2"), o.out());
        String report = Files.readString(dir.resolve("eval/larger/report.md"));
        assertTrue(report.contains("scored on the runs of " + larger), report);
        Outcome empty = run("eval", "--runs", f.toString(), "--score", dir.resolve("none.jsonl").toString(),
                "--out", dir.resolve("eval").toString());
        assertEquals(1, empty.code(), empty.out());
    }

    @Test
    void missingModelIsAFailureNotACrash() throws IOException {
        Path f = dir.resolve("runs.jsonl");
        RunWriter.writeAll(f, Fixtures.runs(3, 1, 0.01, 1, "fx"));
        Outcome o = run("predict", "--runs", f.toString(), "--out", dir.resolve("p.jsonl").toString(),
                "--model", dir.resolve("nope").toString());
        assertEquals(1, o.code());
        assertTrue(o.err().contains("not a trained model"), o.err());
        assertTrue(!Files.exists(dir.resolve("p.jsonl")));
    }
}
