package dev.ncpl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.eval.EvalReport;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.testing.LogFixtures;
import dev.ncpl.train.PredictorTrainer;
import dev.ncpl.train.Recipe;
import dev.ncpl.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What a hostile but fair user tries: outputs aimed at what is not ncpl's (a folder of their own, a symbolic
 * link, a pipe, the input itself), log folders with links that lead out, sources that are paths, values no run
 * can have, runs in progress that end in a spike, files that are not UTF-8 or not whole, corrupt model folders,
 * a killed process. Nothing that is not ncpl's may be destroyed, nothing impossible may be answered with a
 * number, and every refusal names the file, line and field.
 */
class HostileInputTest {
    @TempDir
    static Path shared;
    static Path model;
    static Path runs;
    static Path candidates;

    @TempDir
    Path dir;

    @BeforeAll
    static void trainTinyModel() throws IOException {
        runs = shared.resolve("runs.jsonl");
        RunWriter.writeAll(runs, Fixtures.runs(120, 3, 0.003, 21, "alpha"));
        model = shared.resolve("model");
        new PredictorTrainer(tinyRecipe(List.of("alpha"), 1.0), Device.cpu(),
                new PrintStream(OutputStream.nullOutputStream())).train(List.of(runs), model);
        candidates = shared.resolve("candidates.jsonl");
        List<Run> bare = new ArrayList<>();
        for (Run r : Fixtures.runs(12, 2, 0, 5, "alpha")) {
            bare.add(new Run(r.id(), r.source(), "", r.metric(), r.config(), new Curve(new double[0], new double[0])));
        }
        RunWriter.writeAll(candidates, bare);
    }

    private static Recipe tinyRecipe(List<String> targets, double huberDelta) {
        return new Recipe("tiny", "test", "in_val", targets, 3, 1, new Recipe.Network(16, 2, 1, 32, 32, 0.0), 32, 4,
                0.5, huberDelta, 0.0, 50, List.of(new Recipe.Stage("all", List.of(), 2, 0.003, 0.5)), null);
    }

    private record Outcome(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = Main.commandLine();
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err + log.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path recipeFile(Recipe r) throws IOException {
        Path f = dir.resolve("recipe-" + System.nanoTime() + ".json");
        Json.writePretty(f, r);
        return f;
    }

    private Path candidatesWith(String name, String key, String value) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(candidates)) {
            ObjectNode doc = (ObjectNode) Json.MAPPER.readTree(line);
            String[] parts = key.split("\\.");
            ((ObjectNode) doc.path("config").path(parts[0])).set(parts[1], Json.MAPPER.readTree(value));
            lines.add(Json.MAPPER.writeValueAsString(doc));
        }
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    // ---- 1. A model folder is replaced only when it is ncpl's ------------------------------------------------

    @Test
    void trainRefusesToReplaceAFolderThatIsNotAModel() throws IOException {
        Path mine = dir.resolve("mine");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("precious.txt"), "x");
        Outcome o = run("train", "--recipe", recipeFile(tinyRecipe(List.of("alpha"), 1.0)).toString(), "--runs",
                runs.toString(), "--out", mine.toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("not an ncpl model folder"), o.err());
        assertEquals("x", Files.readString(mine.resolve("precious.txt")));
        assertFalse(Files.exists(dir.resolve("mine.staging")), "nothing was staged for a refused output");
    }

    @Test
    void trainRefusesAFileAndTheWorkingFolder() throws IOException {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "keep me");
        Path recipe = recipeFile(tinyRecipe(List.of("alpha"), 1.0));
        Outcome o = run("train", "--recipe", recipe.toString(), "--runs", runs.toString(), "--out", file.toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("is not a folder"), o.err());
        assertEquals("keep me", Files.readString(file));
        o = run("train", "--recipe", recipe.toString(), "--runs", runs.toString(), "--out", ".");
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("not an ncpl model folder"), o.err());
    }

    @Test
    void trainReplacesItsOwnModelAndWritesThroughALink() throws IOException {
        Path target = dir.resolve("models/m");
        Path recipe = recipeFile(tinyRecipe(List.of("alpha"), 1.0));
        assertEquals(0, run("train", "--recipe", recipe.toString(), "--runs", runs.toString(), "--out",
                target.toString()).code());
        Path link = dir.resolve("current");
        Files.createSymbolicLink(link, target);
        String before = Files.readString(target.resolve("model.json"));
        Outcome o = run("train", "--recipe", recipe.toString(), "--runs", runs.toString(), "--out", link.toString());
        assertEquals(0, o.code(), o.all());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertTrue(Files.isRegularFile(target.resolve("model.json")));
        assertFalse(before.equals(Files.readString(target.resolve("model.json"))), "the model was replaced");
        try (Stream<Path> left = Files.list(target.getParent())) {
            assertEquals(List.of("m"), left.map(p -> p.getFileName().toString()).toList(),
                    "no staging or replaced folder is left behind");
        }
    }

    @Test
    void aStagingPathThatIsNotOursIsLeftAlone() throws IOException {
        Path staging = dir.resolve("m.staging");
        Files.createDirectories(staging);
        Files.writeString(staging.resolve("mine.txt"), "y");
        Outcome o = run("train", "--recipe", recipeFile(tinyRecipe(List.of("alpha"), 1.0)).toString(), "--runs",
                runs.toString(), "--out", dir.resolve("m").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("not a staging folder of ncpl's"), o.err());
        assertEquals("y", Files.readString(staging.resolve("mine.txt")));
    }

    // ---- 2. Outputs are written through links and into devices, never over the input ---------------------------

    @Test
    void predictWritesThroughALinkAndIntoAPipe() throws Exception {
        Path real = dir.resolve("real.jsonl");
        Files.writeString(real, "old\n");
        Path link = dir.resolve("link.jsonl");
        Files.createSymbolicLink(link, real);
        assertEquals(0, run("predict", "--model", model.toString(), "--runs", candidates.toString(), "--out",
                link.toString()).code());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(12, Files.readAllLines(real).size());

        Path fifo = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo is available");
        CompletableFuture<List<String>> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readAllLines(fifo);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(0, run("predict", "--model", model.toString(), "--runs", candidates.toString(), "--out",
                fifo.toString()).code());
        assertEquals(12, read.get(60, TimeUnit.SECONDS).size());
        assertFalse(Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS), "the pipe is still a pipe");
    }

    @Test
    void anOutputThatIsTheInputIsRefused() throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.copy(candidates, in);
        byte[] before = Files.readAllBytes(in);
        for (String cmd : List.of("predict", "score")) {
            Outcome o = run(cmd, "--model", model.toString(), "--runs", in.toString(), "--out", in.toString());
            assertEquals(1, o.code(), cmd + ": " + o.all());
            assertTrue(o.err().contains("is the input"), o.err());
        }
        Path csv = LogFixtures.lightning(dir.resolve("logs/version_0"), Fixtures.runs(3, 3, 0, 4, "g").get(2))
                .resolve("metrics.csv");
        byte[] csvBefore = Files.readAllBytes(csv);
        Outcome o = run("import", csv.toString(), "--out", csv.toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(java.util.Arrays.equals(csvBefore, Files.readAllBytes(csv)));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(in)));
    }

    @Test
    void anOutputBelowAFileNamesThatFile() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        Outcome o = run("predict", "--model", model.toString(), "--runs", candidates.toString(), "--out",
                file.resolve("out.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains(file + " is a file, not a folder"), o.err());
    }

    /** What a killed writer left behind is removed by the next write of the same output; a live one's is not. */
    @Test
    void leftoversOfAKilledWriterAreRemoved() throws Exception {
        Path out = dir.resolve("out.jsonl");
        Path dead = dir.resolve(".out.jsonl.2147483646.123.tmp");
        Path live = dir.resolve(".out.jsonl." + ProcessHandle.current().pid() + ".456.tmp");
        Files.writeString(dead, "half");
        Files.writeString(live, "busy");
        assertEquals(0, run("predict", "--model", model.toString(), "--runs", candidates.toString(), "--out",
                out.toString()).code());
        assertFalse(Files.exists(dead));
        assertTrue(Files.exists(live));
    }

    /** A real process killed with SIGKILL while it writes: the next run cleans up and writes a whole output. */
    @Test
    void aProcessKilledWhileWritingLeavesNothingTheNextRunKeeps() throws Exception {
        Path many = dir.resolve("many.jsonl");
        List<String> base = Files.readAllLines(candidates);
        try (var w = Files.newBufferedWriter(many)) {
            for (int i = 0; i < 40_000; i++) {
                ObjectNode doc = (ObjectNode) Json.MAPPER.readTree(base.get(i % base.size()));
                doc.put("id", "c" + i);
                w.write(Json.MAPPER.writeValueAsString(doc));
                w.newLine();
            }
        }
        Path out = dir.resolve("killed.jsonl");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.ncpl.cli.Main", "predict",
                "--model", model.toString(), "--runs", many.toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path tmp = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (tmp == null && p.isAlive() && System.nanoTime() < deadline) {
            try (Stream<Path> s = Files.list(dir)) {
                tmp = s.filter(f -> f.getFileName().toString().startsWith(".killed.jsonl.")
                        && f.toFile().length() > 0).findFirst().orElse(null);
            }
            Thread.sleep(100);
        }
        assumeTrue(tmp != null && p.isAlive(), "the child was caught writing");
        new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
        p.waitFor(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(tmp), "SIGKILL leaves the temporary file");
        assertFalse(Files.exists(out), "and never a partial output");
        Path small = dir.resolve("small.jsonl");
        Files.write(small, base);
        assertEquals(0, run("predict", "--model", model.toString(), "--runs", small.toString(), "--out",
                out.toString()).code());
        assertFalse(Files.exists(tmp), "the next write of the same output removed it");
        assertEquals(12, Files.readAllLines(out).size());
    }

    // ---- 3. Import reads nothing outside the folder it was given --------------------------------------------

    @Test
    void importNeverFollowsALinkOutOfItsFolder() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path secret = outside.resolve("secret.yaml");
        Files.writeString(secret, "secret_token: hunter2\n");
        Run r = Fixtures.runs(3, 3, 0, 4, "g").get(2);
        Path logs = dir.resolve("logs");
        Path run0 = LogFixtures.lightning(logs.resolve("version_0"), r);
        Files.createSymbolicLink(run0.resolve("config.yaml"), secret);
        Path run1 = LogFixtures.lightning(logs.resolve("version_1"), r);
        Files.delete(run1.resolve("metrics.csv"));
        Path passwd = outside.resolve("passwd.csv");
        Files.writeString(passwd, "step,loss\nroot:x:0:0,secret-line\n");
        Files.createSymbolicLink(run1.resolve("metrics.csv"), passwd);
        Files.createSymbolicLink(logs.resolve("loop"), logs);
        Path out = dir.resolve("imported.jsonl");
        Outcome o = run("import", logs.toString(), "--out", out.toString());
        assertEquals(1, o.code(), o.all());
        assertFalse(o.all().contains("hunter2") || o.all().contains("secret-line") || o.all().contains("root:x"),
                o.all());
        assertTrue(o.err().contains("outside " + logs.toRealPath()), o.err());
        assertFalse(Files.exists(out) && Files.readString(out).contains("hunter2"));
        assertFalse(o.out().contains("imported"), "no run was imported from a folder with a link out: " + o.out());

        // the loop alone: the run is imported once, not once per turn of the loop
        Files.delete(run0.resolve("config.yaml"));
        Files.delete(run1.resolve("metrics.csv"));
        Files.delete(run1.resolve("hparams.yaml"));
        o = run("import", logs.toString(), "--out", out.toString());
        assertEquals(1, o.out().lines().filter(l -> l.startsWith("imported ")).count(), o.all());
    }

    // ---- 4. Names from data never leave their folder --------------------------------------------------------

    @Test
    void aSourceThatIsAPathStaysInTheReportFolder() throws IOException {
        List<Run> scored = new ArrayList<>();
        for (Run r : Fixtures.runs(20, 2, 0.01, 2, "x")) {
            scored.add(new Run(r.id(), "d/../../escaped", r.split(), r.metric(), r.config(), r.curve()));
        }
        Path report = dir.resolve("eval/report");
        EvalReport e = new EvalReport("t", "hostile", scored);
        e.add("chinchilla", new ChinchillaPredictor(dev.ncpl.baseline.Baseline.fit(scored)).predict(scored));
        e.write(report);
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> pngs = all.filter(p -> p.toString().endsWith(".png")).toList();
            assertEquals(2, pngs.size(), pngs.toString());
            assertTrue(pngs.stream().allMatch(p -> p.getParent().equals(report)), pngs.toString());
        }
        String md = Files.readString(report.resolve("report.md"));
        assertFalse(md.contains("(scatter-d/"), md);
    }

    @Test
    void aMemberPathInModelJsonCannotLeaveTheModelFolder() throws IOException {
        Path copy = copyOfModel("evil-model");
        ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(copy.resolve("model.json").toFile());
        manifest.putArray("members").add("../../../etc/passwd");
        Files.writeString(copy.resolve("model.json"), Json.MAPPER.writeValueAsString(manifest));
        Outcome o = run("predict", "--model", copy.toString(), "--runs", candidates.toString(), "--out",
                dir.resolve("o.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("field 'members'"), o.err());
    }

    // ---- 5. Impossible values are refused where they enter ------------------------------------------------------

    @Test
    void impossibleConfigValuesAreRefusedWithTheField() throws IOException {
        String[][] cases = {{"optimizer.lr", "\"Infinity\"", "Infinity"}, {"optimizer.lr", "0", "0"},
            {"optimizer.lr", "-0.001", "-0.001"}, {"model.n_heads", "0", "0"}, {"data.batch_size", "0", "0"},
            {"schedule.total_steps", "0", "0"}, {"optimizer.lr", "\"fast\"", "fast"}};
        for (String[] c : cases) {
            String value = c[1].equals("\"Infinity\"") ? "Infinity" : c[1];
            Path f = dir.resolve("bad.jsonl");
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(candidates)) {
                String[] parts = c[0].split("\\.");
                ObjectNode doc = (ObjectNode) Json.MAPPER.readTree(line);
                ((ObjectNode) doc.path("config").path(parts[0])).set(parts[1], Json.MAPPER.readTree(value));
                lines.add(Json.MAPPER.writeValueAsString(doc));
            }
            Files.write(f, lines);
            Outcome o = run("predict", "--model", model.toString(), "--runs", f.toString(), "--out",
                    dir.resolve("o.jsonl").toString());
            assertEquals(1, o.code(), c[0] + "=" + c[1] + ": " + o.all());
            assertTrue(o.err().contains(f + ":1: field '" + c[0] + "'") && o.err().contains(c[2]), o.err());
            assertFalse(Files.exists(dir.resolve("o.jsonl")));
        }
    }

    @Test
    void nanInAJsonlRunIsRefused() throws IOException {
        Path f = candidatesWith("nan.jsonl", "optimizer.weight_decay", "NaN");
        Outcome o = run("score", "--model", model.toString(), "--runs", f.toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("field 'optimizer.weight_decay'"), o.err());
    }

    @Test
    void csvReadsHugeIntegersAsNumbersAndMissingMetricIsNoFlag() throws IOException {
        Path csv = dir.resolve("c.csv");
        Run c = dev.ncpl.runs.RunReader.readAll(List.of(runs)).get(0);
        StringBuilder sb = new StringBuilder("id,source,model.n_layers,model.d_model,model.n_heads,model.d_ff,"
                + "model.activation,optimizer.name,optimizer.lr,data.seq_len,data.batch_size,data.tokens_total,"
                + "schedule.lr_schedule,schedule.warmup_steps,schedule.min_lr_ratio\n");
        sb.append(String.format(java.util.Locale.ROOT, "a,alpha,%d,%d,%d,%d,swiglu,adamw,0.003,2048,128,%d,cosine,10,0.1\n",
                c.number("model.n_layers").get().intValue(), c.number("model.d_model").get().intValue(),
                c.number("model.n_heads").get().intValue(), c.number("model.d_ff").get().intValue(),
                c.number("data.tokens_total").get().longValue()));
        sb.append("b,alpha,8,512,8,2048,swiglu,adamw,0.003,2048,128,99999999999999999999,cosine,10,0.1\n");
        Files.writeString(csv, sb);
        try (dev.ncpl.runs.CandidateReader r = dev.ncpl.runs.CandidateReader.open(csv, null)) {
            r.next();
            assertEquals(1e20, r.next().number("data.tokens_total").orElseThrow(), 1e6);
        }
        Path out = dir.resolve("p.jsonl");
        assertEquals(0, run("predict", "--model", model.toString(), "--runs", csv.toString(), "--out",
                out.toString()).code());
        JsonNode first = Json.MAPPER.readTree(Files.readAllLines(out).get(0));
        for (JsonNode f : first.path("outside_training_range")) {
            assertFalse(f.asText().equals("metric"), first.toString());
        }
    }

    @Test
    void importSetValuesAreChecked() throws IOException {
        Path logs = LogFixtures.lightning(dir.resolve("logs/version_0"), Fixtures.runs(3, 3, 0, 4, "g").get(2));
        for (String set : List.of("optimizer.lr=NaN", "data.tokens_total=-5", "model.n_layers=2.5")) {
            Outcome o = run("import", logs.toString(), "--out", dir.resolve("i.jsonl").toString(), "--set", set);
            assertEquals(2, o.code(), set + ": " + o.all());
            assertTrue(o.err().contains("--set " + set), o.err());
            assertFalse(Files.exists(dir.resolve("i.jsonl")));
        }
    }

    @Test
    void recipesAreValidatedFieldByField() throws IOException {
        Recipe good = tinyRecipe(List.of("alpha"), 1.0);
        Object[][] cases = {
            {tinyRecipe(List.of("alpha"), -1), "huber_delta"},
            {withNetwork(good, new Recipe.Network(0, 2, 1, 32, 32, 0)), "model.d_model"},
            {withNetwork(good, new Recipe.Network(16, 2, 0, 32, 32, 0)), "model.layers"},
            {withNetwork(good, new Recipe.Network(16, 3, 1, 32, 32, 0)), "model.d_model"},
            {withNetwork(good, new Recipe.Network(16, 2, 1, 32, 32, 1.5)), "model.dropout"}};
        for (Object[] c : cases) {
            Outcome o = run("train", "--recipe", recipeFile((Recipe) c[0]).toString(), "--runs", runs.toString(),
                    "--out", dir.resolve("never").toString());
            assertEquals(1, o.code(), o.all());
            assertTrue(o.err().contains("field '" + c[1] + "'"), c[1] + ": " + o.err());
            assertFalse(Files.exists(dir.resolve("never")));
        }
        Outcome o = run("train", "--recipe", recipeFile(tinyRecipe(List.of("alpha", "nosuch"), 1.0)).toString(),
                "--runs", runs.toString(), "--out", dir.resolve("never").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("no run of source 'nosuch'"), o.err());
    }

    private static Recipe withNetwork(Recipe r, Recipe.Network n) {
        return new Recipe(r.name(), r.description(), r.protocol(), r.targetSources(), r.seed(), r.ensemble(), n,
                r.batchSize(), r.curvePointsPerRun(), r.curveWeight(), r.huberDelta(), r.weightDecay(), r.patience(),
                r.stages(), r.residualScale());
    }

    @Test
    void flagsAndSpacesOutsideTheirRangeAreBadUsage() throws IOException {
        Path base = dir.resolve("base.jsonl");
        Files.writeString(base, Files.readAllLines(candidates).get(0) + "\n");
        Path space = dir.resolve("space.yaml");
        Files.writeString(space, "optimizer.lr: {min: 1.0e-4, max: 1.0e-2, log: true}\n");
        String[] tune = {"tune", "--model", model.toString(), "--base", base.toString(), "--space", space.toString()};
        assertEquals(2, run(concat(tune, "--samples", "2000000000")).code());
        assertEquals(2, run(concat(tune, "--budget-tokens", "Infinity")).code());
        assertEquals(2, run(concat(tune, "--budget-flops", "-1")).code());
        assertEquals(2, run("score", "--model", model.toString(), "--runs", candidates.toString(), "--at-step",
                "-100").code());
        assertEquals(2, run("score", "--model", model.toString(), "--runs", candidates.toString(), "--at-tokens",
                "0").code());
        Files.writeString(space, "data.batch_size: [0, -5]\n");
        Outcome o = run(tune);
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains(space.toString()) && o.err().contains("'data.batch_size'"), o.err());
        Files.writeString(space, "optimizer.learning_rat: {min: 1.0e-4, max: 1.0e-2, log: true}\n");
        o = run(tune);
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("'optimizer.learning_rat'") && o.err().contains("neither in the base config"),
                o.err());
        if (ai.djl.engine.Engine.getInstance().getGpuCount() == 0) {
            o = run("train", "--recipe", recipeFile(tinyRecipe(List.of("alpha"), 1.0)).toString(), "--runs",
                    runs.toString(), "--out", dir.resolve("g").toString(), "--device", "gpu");
            assertEquals(1, o.code(), o.all());
            assertTrue(o.err().contains("sees no GPU") && o.err().lines().count() < 10, o.err());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ---- 6. A run in progress may end in a spike -------------------------------------------------------------

    @Test
    void aRunInProgressEndingInASpikeIsPredicted() throws IOException {
        Run r = dev.ncpl.runs.RunReader.readAll(List.of(runs)).get(0);
        double[] steps = r.curve().steps();
        double[] losses = r.curve().losses();
        int cut = steps.length / 2;
        double[] s = java.util.Arrays.copyOf(steps, cut);
        double[] l = java.util.Arrays.copyOf(losses, cut);
        l[cut - 1] = 3 * l[cut - 2];
        Path f = dir.resolve("spike.jsonl");
        RunWriter.writeAll(f, List.of(r.withCurve(new Curve(s, l))));
        Outcome o = run("predict", "--model", model.toString(), "--runs", f.toString(), "--out",
                dir.resolve("p.jsonl").toString(), "--condition-on-curve");
        assertEquals(0, o.code(), o.all());
        // training data that diverged is still refused
        o = run("baseline", "--runs", f.toString(), "--split", "all");
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("diverged"), o.err());
    }

    // ---- 7. Every refusal says where and why -------------------------------------------------------------------

    @Test
    void messagesNameTheFileTheLineAndTheReason() throws IOException {
        Path latin1 = dir.resolve("latin1.jsonl");
        List<String> lines = Files.readAllLines(candidates);
        try (OutputStream o = Files.newOutputStream(latin1)) {
            o.write((lines.get(0) + "\n").getBytes(StandardCharsets.UTF_8));
            o.write(lines.get(1).replace("\"alpha\"", "\"alph\u00e9\"").getBytes(StandardCharsets.ISO_8859_1));
            o.write('\n');
        }
        Outcome o = run("predict", "--model", model.toString(), "--runs", latin1.toString(), "--out",
                dir.resolve("o.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains(latin1 + ":2: not UTF-8"), o.err());

        o = run("predict", "--model", model.toString(), "--runs", dir.resolve("missing.jsonl").toString(), "--out",
                dir.resolve("o.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains("missing.jsonl: no such file"), o.err());

        Path csv = dir.resolve("ragged.csv");
        Files.writeString(csv, "id,optimizer.lr\na,0.001\nb,0.002,extra,cells\n");
        o = run("predict", "--model", model.toString(), "--runs", csv.toString(), "--out",
                dir.resolve("o.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains(csv.toString()), o.err());
    }

    @Test
    void corruptModelFoldersAreNamedFileByFile() throws IOException {
        String member = "member-0.params";
        List<String[]> cases = List.of(
            new String[] {"model.json", "", "model.json"},
            new String[] {"model.json", "{\"format\": \"ncpl-model/1\"", "model.json"},
            new String[] {"tokenizer.json", "", "tokenizer.json"},
            new String[] {"tokenizer.json", "{\"model\": {\"vocab\": {}}}", "tokenizer.json"},
            new String[] {"baseline.json", "[]", "baseline.json"},
            new String[] {member, "truncate", member},
            new String[] {member, "", member},
            new String[] {"intervals.json", "{", "intervals.json"},
            new String[] {"final-trees.json.gz", "null x", "final-trees.json.gz"},
            new String[] {"shape.json.gz", "{\"x\": ", "shape.json.gz"},
            new String[] {"prefix.json.gz", "truncate", "prefix.json.gz: not a whole gzip-compressed file"});
        for (String[] c : cases) {
            Path copy = copyOfModel("corrupt-" + c[0] + "-" + c[1].length());
            Path file = copy.resolve(c[0]);
            if (c[1].equals("truncate")) {
                byte[] b = Files.readAllBytes(file);
                Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
            } else {
                Files.writeString(file, c[1]);
            }
            Outcome o = run("predict", "--model", copy.toString(), "--runs", candidates.toString(), "--out",
                    dir.resolve("o.jsonl").toString());
            assertEquals(1, o.code(), c[0] + ": " + o.all());
            assertTrue(o.err().contains(c[2]) && o.err().lines().count() < 4, c[0] + " '" + c[1] + "': " + o.err());
        }
        Path copy = copyOfModel("corrupt-missing");
        Files.delete(copy.resolve(member));
        Outcome o = run("predict", "--model", copy.toString(), "--runs", candidates.toString(), "--out",
                dir.resolve("o.jsonl").toString());
        assertEquals(1, o.code(), o.all());
        assertTrue(o.err().contains(member + ": parameter file not found"), o.err());
    }

    private Path copyOfModel(String name) throws IOException {
        Path copy = dir.resolve(name);
        try (Stream<Path> files = Files.walk(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(model.relativize(f).toString()));
            }
        }
        return copy;
    }

    // ---- 11. One bad row among many ----------------------------------------------------------------------------

    @Test
    void rejectsFileTakesTheBadRowsAndTheRunGoesOn() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(candidates));
        ObjectNode bad = (ObjectNode) Json.MAPPER.readTree(lines.get(3));
        ((ObjectNode) bad.path("config").path("optimizer")).put("lr", -1);
        lines.set(3, Json.MAPPER.writeValueAsString(bad));
        lines.set(7, "{not json");
        Path f = dir.resolve("mixed.jsonl");
        Files.write(f, lines);
        Path out = dir.resolve("p.jsonl");
        assertEquals(1, run("predict", "--model", model.toString(), "--runs", f.toString(), "--out",
                out.toString()).code(), "failing fast is the default");
        assertFalse(Files.exists(out));
        Path rejects = dir.resolve("rejects.jsonl");
        Outcome o = run("predict", "--model", model.toString(), "--runs", f.toString(), "--out", out.toString(),
                "--rejects", rejects.toString());
        assertEquals(0, o.code(), o.all());
        assertEquals(10, Files.readAllLines(out).size());
        List<String> rejected = Files.readAllLines(rejects);
        assertEquals(2, rejected.size());
        assertEquals(4, Json.MAPPER.readTree(rejected.get(0)).path("line").asInt());
        assertEquals("optimizer.lr", Json.MAPPER.readTree(rejected.get(0)).path("field").asText());
        assertEquals(8, Json.MAPPER.readTree(rejected.get(1)).path("line").asInt());
        assertTrue(o.out().contains("rejected 2 of 12 candidates"), o.out());
        o = run("score", "--model", model.toString(), "--runs", f.toString(), "--rejects", rejects.toString());
        assertEquals(0, o.code(), o.all());
        assertTrue(o.out().contains("top 10 of 10 candidates") && o.out().contains("rejected 2 of 12"), o.out());
    }
}
