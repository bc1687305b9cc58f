package dev.ncpl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.ranking.CandidateRanker;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.train.PredictorTrainer;
import dev.ncpl.train.Recipe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranking candidates and measuring throughput with a tiny model trained on generated runs. */
class ScoreAndBenchTest {
    @TempDir
    static Path dir;
    static Path model;
    static List<Run> candidates;

    @BeforeAll
    static void trainTinyModel() throws IOException {
        Path data = dir.resolve("runs.jsonl");
        RunWriter.writeAll(data, Fixtures.runs(120, 3, 0.003, 21, "alpha"));
        Recipe recipe = new Recipe("tiny", "test", "in_val", List.of("alpha"), 3, 1,
                new Recipe.Network(16, 2, 1, 32, 32, 0.0), 32, 4, 0.5, 1.0, 0.0, 50,
                List.of(new Recipe.Stage("all", List.of(), 3, 0.003, 0.5)), null);
        model = dir.resolve("model");
        new PredictorTrainer(recipe, Device.cpu(), new PrintStream(OutputStream.nullOutputStream()))
                .train(List.of(data), model);
        candidates = new ArrayList<>();
        for (Run r : Fixtures.runs(40, 2, 0, 5, "alpha")) {
            candidates.add(new Run(r.id(), r.source(), "", r.metric(), r.config(), new Curve(new double[0], new double[0])));
        }
    }

    @Test
    void streamingRankerKeepsExactlyTheBestK() throws IOException {
        try (BlendedPredictor p = BlendedPredictor.load(model)) {
            double[] all = p.predictFinal(candidates);
            CandidateRanker ranker = new CandidateRanker(p, 5, null, null);
            for (int i = 0; i < candidates.size(); i += 7) {
                ranker.offer(candidates.subList(i, Math.min(candidates.size(), i + 7)));
            }
            assertEquals(40, ranker.seen());
            double[] sorted = all.clone();
            Arrays.sort(sorted);
            double[] best = ranker.best().stream().mapToDouble(CandidateRanker.Scored::loss).toArray();
            assertEquals(5, best.length);
            for (int i = 0; i < 5; i++) {
                assertEquals(sorted[i], best[i], 1e-5);
            }
            // the fast final-only path agrees with the full prediction
            double[] full = p.predict(candidates).stream().mapToDouble(x -> x.finalLoss()).toArray();
            for (int i = 0; i < all.length; i++) {
                assertEquals(full[i], all[i], 1e-5);
            }
        }
    }

    @Test
    void rankingAtATokenCountUsesTheCurve() throws IOException {
        try (BlendedPredictor p = BlendedPredictor.load(model)) {
            CandidateRanker ranker = new CandidateRanker(p, 3, null, 1e8);
            ranker.offer(candidates);
            List<CandidateRanker.Scored> best = ranker.best();
            assertTrue(best.get(0).loss() <= best.get(2).loss());
            Run top = best.get(0).run();
            double step = Math.round(1e8 / top.number("data.batch_tokens").orElseThrow());
            double expected = p.predict(List.of(top), r -> new double[] {step}).get(0).losses()[0];
            // the ranker predicted it in a batch of others: the curve shape's trees can turn the rounding-sized
            // difference of the final loss they read into a step of a leaf, hence a relative 1e-4
            assertEquals(expected, best.get(0).loss(), 1e-4 * expected);
        }
    }

    @Test
    void scoreCommandPrintsTopKWithDifferingKeys() throws IOException {
        Path file = dir.resolve("candidates.jsonl");
        RunWriter.writeAll(file, candidates);
        Path out = dir.resolve("top.jsonl");
        String printed = run("score", "--runs", file.toString(), "--model", model.toString(), "--top", "4",
                "--out", out.toString());
        assertTrue(printed.contains("top 4 of 40 candidates by predicted final loss"), printed);
        assertTrue(printed.contains("optimizer.lr") || printed.contains("model.d_model"), printed);
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        assertTrue(lines.get(0).startsWith("{\"rank\":1,"), lines.get(0));
    }

    @Test
    void predictReadsCsvAndDrawsCurves() throws IOException {
        Path csv = dir.resolve("grid.csv");
        StringBuilder sb = new StringBuilder("id,source,model.n_layers,model.d_model,model.d_ff,model.activation,"
                + "optimizer.name,optimizer.lr,data.batch_tokens,data.tokens_total,schedule.lr_schedule,"
                + "schedule.total_steps\n");
        for (double lr : new double[] {1e-3, 3e-3, 1e-2}) {
            sb.append("lr").append(lr).append(",alpha,6,384,1536,swiglu,adamw,").append(lr)
                    .append(",262144,5e8,cosine,1907\n");
        }
        Files.writeString(csv, sb.toString());
        Path out = dir.resolve("pred.jsonl");
        Path png = dir.resolve("curves.png");
        String printed = run("predict", "--runs", csv.toString(), "--model", model.toString(), "--out", out.toString(),
                "--plot", png.toString());
        assertTrue(printed.contains("wrote 3 predictions"), printed);
        assertTrue(printed.contains("drew 3 curves"), printed);
        List<String> lines = Files.readAllLines(out);
        assertTrue(lines.get(1).startsWith("{\"id\":\"lr0.003\",\"final_loss\":"), lines.get(1));
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
    }

    @Test
    void tuneSearchesTheSpaceUnderABudgetAndWritesCsv() throws IOException {
        Path space = dir.resolve("space.yaml");
        Files.writeString(space, "optimizer.lr: {min: 1.0e-4, max: 3.0e-2, log: true}\ndata.batch_size: [64, 128, 256]\n");
        Path out = dir.resolve("tuned.csv");
        String printed = run("tune", "--base", writeBase(), "--space", space.toString(), "--model", model.toString(),
                "--budget-flops", "1e18", "--samples", "64", "--rounds", "2", "--top", "3", "--out", out.toString());
        assertTrue(printed.contains("best 3 of 129 candidates (budget: 1.00e+18 FLOPs"), printed);
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        List<String> header = List.of(lines.get(0).split(","));
        assertEquals(List.of("rank", "id", "loss"), header.subList(0, 3));
        int lrCol = header.indexOf("optimizer.lr");
        int tokensCol = header.indexOf("data.tokens_total");
        int paramsCol = header.indexOf("model.non_embedding_params");
        double loss1 = Double.parseDouble(lines.get(1).split(",")[2]);
        double loss3 = Double.parseDouble(lines.get(3).split(",")[2]);
        assertTrue(loss1 <= loss3);
        for (String line : lines.subList(1, 4)) {
            String[] cells = line.split(",");
            double lr = Double.parseDouble(cells[lrCol]);
            assertTrue(lr >= 1e-4 && lr <= 3e-2, line);
            // every candidate spends the FLOP budget: D = C / (6 N)
            double n = Double.parseDouble(cells[paramsCol]);
            assertEquals(1e18 / (6 * n), Double.parseDouble(cells[tokensCol]), 1e18 / (6 * n) * 0.01);
        }
    }

    @Test
    void predictNamesTheFieldsOutsideWhatTheModelWasTrainedOn() throws IOException {
        Run odd = candidates.get(1);
        com.fasterxml.jackson.databind.node.ObjectNode config = odd.config().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("optimizer")).put("lr", 1.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("model")).put("n_experts", 8);
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("model")).put("norm", "a_norm_never_seen");
        Predicted two = predictTwo("odd", candidates.get(0), new Run("odd", odd.source(), "", odd.metric(), config, odd.curve()));
        com.fasterxml.jackson.databind.JsonNode usual = two.first();
        com.fasterxml.jackson.databind.JsonNode unusual = two.second();
        String note = two.notes();
        assertTrue(!usual.has("outside_training_range"), usual.toString());
        List<String> named = new ArrayList<>();
        unusual.get("outside_training_range").forEach(n -> named.add(n.asText()));
        assertTrue(named.contains("optimizer.lr") && named.contains("model.n_experts"), named.toString());
        assertTrue(named.contains("model.norm"), "a text value the network reads as unknown: " + named);
        assertTrue(!named.contains("optimizer.beta1"), named.toString());
        assertTrue(note.contains("note: 1 of 2 configs have fields outside the range") && note.contains("optimizer.lr (1)"),
                note);
    }

    @Test
    void predictNamesTheConfigsBeyondTheirSourcesTrainingSizes() throws IOException {
        Run usual = candidates.get(0);
        com.fasterxml.jackson.databind.node.ObjectNode config = usual.config().deepCopy();
        com.fasterxml.jackson.databind.node.ObjectNode modelSection =
                (com.fasterxml.jackson.databind.node.ObjectNode) config.get("model");
        modelSection.put("non_embedding_params", 100 * modelSection.get("non_embedding_params").asDouble());
        Predicted two = predictTwo("larger", usual, new Run("larger", usual.source(), "", usual.metric(), config, usual.curve()));
        com.fasterxml.jackson.databind.JsonNode inside = two.first();
        com.fasterxml.jackson.databind.JsonNode larger = two.second();
        String note = two.notes();
        assertTrue(!inside.has("beyond_source_range"), inside.toString());
        assertEquals("derived.params", larger.get("beyond_source_range").get(0).asText(), larger.toString());
        assertTrue(note.contains("note: 1 of 2 configs lie beyond the model sizes or token budgets of their own source"),
                note);
    }

    @Test
    void predictAndScoreRefuseAnUnknownOptimizerAtItsLine() throws IOException {
        Run usual = candidates.get(0);
        com.fasterxml.jackson.databind.node.ObjectNode config = usual.config().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("optimizer")).put("name", "adafactor");
        Path file = dir.resolve("unknown-optimizer.jsonl");
        RunWriter.writeAll(file, List.of(usual, new Run("odd", usual.source(), "", usual.metric(), config, usual.curve())));
        Path out = dir.resolve("unknown-optimizer-pred.jsonl");
        String expected = file + ":2: run 'odd': field 'optimizer.name': unknown optimizer 'adafactor'";
        String predictErr = runFailing("predict", "--runs", file.toString(), "--model", model.toString(),
                "--out", out.toString());
        assertTrue(predictErr.contains(expected), predictErr);
        assertTrue(!Files.exists(out), "no partial predictions are left behind");
        String scoreErr = runFailing("score", "--runs", file.toString(), "--model", model.toString());
        assertTrue(scoreErr.contains(expected), scoreErr);
    }

    @Test
    void evalRefusesAHeldOutRunOfAnUnknownOptimizerAtItsLine() throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(20, 2, 0.003, 3, "alpha"));
        int odd = 4; // every fifth generated run is in_val: this one is scored
        Run r = runs.get(odd);
        assertEquals("in_val", r.split());
        com.fasterxml.jackson.databind.node.ObjectNode config = r.config().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("optimizer")).put("name", "adafactor");
        runs.set(odd, new Run(r.id(), r.source(), r.split(), r.metric(), config, r.curve()));
        Path file = dir.resolve("eval-unknown-optimizer.jsonl");
        RunWriter.writeAll(file, runs);
        String err = runFailing("eval", "--runs", file.toString(), "--model", model.toString(),
                "--out", dir.resolve("eval-out").toString());
        assertTrue(err.contains(file + ":" + (odd + 1) + ": run '" + r.id() + "': field 'optimizer.name': unknown optimizer 'adafactor'"),
                err);
    }

    @Test
    void predictWritesCsvWithOneRowPerCurvePoint() throws IOException {
        Path file = dir.resolve("three.jsonl");
        RunWriter.writeAll(file, candidates.subList(0, 3));
        Path out = dir.resolve("pred.csv");
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", out.toString());
        List<String> lines = Files.readAllLines(out);
        // the model has prediction intervals (training calibrated them on its in_val runs)
        assertEquals("id,final_loss,final_lo,final_hi,step,loss,lo,hi", lines.get(0));
        assertEquals(1 + 3 * 16, lines.size());
        // the same numbers as the JSONL output
        Path json = dir.resolve("pred-same.jsonl");
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", json.toString());
        com.fasterxml.jackson.databind.JsonNode first = dev.ncpl.util.Json.MAPPER.readTree(Files.readAllLines(json).get(0));
        double lo = first.get("final_loss_interval").get(0).asDouble();
        double hi = first.get("final_loss_interval").get(1).asDouble();
        assertTrue(lo < hi, first.toString());
        for (int k = 0; k < 16; k++) {
            String[] row = lines.get(1 + k).split(",");
            assertEquals(candidates.get(0).id(), row[0]);
            assertEquals(first.get("final_loss").asDouble(), Double.parseDouble(row[1]), 0);
            assertEquals(lo, Double.parseDouble(row[2]), 0);
            assertEquals(hi, Double.parseDouble(row[3]), 0);
            assertEquals(first.get("curve").get(k).get(0).asLong(), Long.parseLong(row[4]));
            assertEquals(first.get("curve").get(k).get(1).asDouble(), Double.parseDouble(row[5]), 0);
            com.fasterxml.jackson.databind.JsonNode band = first.get("curve_band").get(k);
            assertEquals(first.get("curve").get(k).get(0).asLong(), band.get(0).asLong());
            assertEquals(band.get(1).asDouble(), Double.parseDouble(row[6]), 0);
            assertEquals(band.get(2).asDouble(), Double.parseDouble(row[7]), 0);
            assertTrue(band.get(1).asDouble() < band.get(2).asDouble());
        }
        // a wider level gives a wider interval
        Path wide = dir.resolve("pred-wide.jsonl");
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", wide.toString(), "--level", "0.95");
        com.fasterxml.jackson.databind.JsonNode w = dev.ncpl.util.Json.MAPPER.readTree(Files.readAllLines(wide).get(0));
        assertTrue(w.get("final_loss_interval").get(0).asDouble() < lo && w.get("final_loss_interval").get(1).asDouble() > hi,
                w.toString());
    }

    @Test
    void predictConditionsOnTheObservedCurve() throws IOException {
        // a run in progress: the first third of a generated curve
        Run full = Fixtures.runs(10, 2, 0, 8, "alpha").get(3);
        Curve c = full.curve();
        Curve seen = c.prefix(c.step(3));
        Path file = dir.resolve("in-progress.jsonl");
        RunWriter.writeAll(file, List.of(full.withCurve(seen)));
        Path plain = dir.resolve("plain.jsonl");
        Path cond = dir.resolve("cond.jsonl");
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", plain.toString());
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", cond.toString(),
                "--condition-on-curve");
        com.fasterxml.jackson.databind.JsonNode p = dev.ncpl.util.Json.MAPPER.readTree(Files.readAllLines(plain).get(0));
        com.fasterxml.jackson.databind.JsonNode q = dev.ncpl.util.Json.MAPPER.readTree(Files.readAllLines(cond).get(0));
        // without the flag: only the observed steps, config-only; with it: observed points kept, the rest continued
        assertEquals(seen.size(), p.get("curve").size());
        assertTrue(q.get("curve").size() > seen.size(), q.toString());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(seen.loss(i), q.get("curve").get(i).get(1).asDouble(), 1e-6);
        }
        com.fasterxml.jackson.databind.JsonNode last = q.get("curve").get(q.get("curve").size() - 1);
        assertEquals(full.number("schedule.total_steps").orElseThrow() - 1, last.get(0).asDouble(), 0);
        assertTrue(q.get("final_loss").asDouble() != p.get("final_loss").asDouble());
        // the run in progress gets an interval around its conditioned final loss, and a band closed over what it saw
        double lo = q.get("final_loss_interval").get(0).asDouble();
        double hi = q.get("final_loss_interval").get(1).asDouble();
        assertTrue(lo < q.get("final_loss").asDouble() + 1e-6 && hi > q.get("final_loss").asDouble() - 1e-6 && lo < hi,
                q.toString());
        com.fasterxml.jackson.databind.JsonNode band = q.get("curve_band");
        assertEquals(q.get("curve").size(), band.size());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(band.get(i).get(1).asDouble(), band.get(i).get(2).asDouble(), 1e-9);
        }
        com.fasterxml.jackson.databind.JsonNode end = band.get(band.size() - 1);
        assertTrue(end.get(1).asDouble() < end.get(2).asDouble(), end.toString());
    }

    @Test
    void evalReportsTheCoverageOfConditionedIntervalsAfterTheCut() throws IOException {
        Path report = dir.resolve("eval-observed");
        String printed = run("eval", "--runs", dir.resolve("runs.jsonl").toString(), "--model", model.toString(),
                "--observed", "0.3", "--out", report.toString(), "--name", "obs");
        String md = Files.readString(report.resolve("obs/report.md"));
        // the model was trained on this very file: both tables are cross-fitted on its in_val runs
        assertTrue(md.contains("## Prediction intervals: ncpl\n"), md);
        assertTrue(md.contains("## Prediction intervals: ncpl+prefix@30%"), md);
        assertTrue(printed.contains("of ncpl+prefix@30%, cross-fitted"), printed);
        // a share, not a placeholder: the row for the source carries a coverage in (0, 100]%
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("prefix@30%, cross-fitted[^|]*\\|[^\\n]*\\n[^\\n]*\\n"
                + "\\| all \\| (\\d+) \\| ([0-9.]+)%").matcher(md);
        assertTrue(m.find(), md);
        double covered = Double.parseDouble(m.group(2));
        assertTrue(covered > 40 && covered <= 100, "covered " + covered);
    }

    @Test
    void scoreRanksByTheLowerEndOfTheIntervalWhenAsked() throws IOException {
        Path file = dir.resolve("lcb.jsonl");
        RunWriter.writeAll(file, candidates);
        Path top = dir.resolve("lcb-top.jsonl");
        String printed = run("score", "--runs", file.toString(), "--model", model.toString(), "--top", "3",
                "--rank", "lcb", "--out", top.toString());
        assertTrue(printed.contains("lower end of the 80% interval"), printed);
        Path preds = dir.resolve("lcb-pred.jsonl");
        run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", preds.toString());
        java.util.Map<String, Double> lower = new java.util.HashMap<>();
        for (String line : Files.readAllLines(preds)) {
            com.fasterxml.jackson.databind.JsonNode o = dev.ncpl.util.Json.MAPPER.readTree(line);
            lower.put(o.get("id").asText(), o.get("final_loss_interval").get(0).asDouble());
        }
        double best = lower.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        com.fasterxml.jackson.databind.JsonNode first = dev.ncpl.util.Json.MAPPER.readTree(Files.readAllLines(top).get(0));
        assertEquals(best, first.get("loss").asDouble(), 1e-5);
        assertEquals(lower.get(first.get("id").asText()), first.get("loss").asDouble(), 1e-5);
    }

    @Test
    void benchReportsThroughput() {
        String printed = run("bench", "--model", model.toString(), "--runs", writeBase(), "--configs", "600");
        assertTrue(printed.matches("(?s).*final loss:\\s+[\\d,]+ configs/s.*"), printed);
        assertTrue(printed.contains("16-point curves"), printed);
    }

    private static String writeBase() {
        try {
            Path f = dir.resolve("base.jsonl");
            RunWriter.writeAll(f, candidates.subList(0, 4));
            return f.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What {@code predict} wrote for two runs, in order, and its notes on standard error. */
    private record Predicted(com.fasterxml.jackson.databind.JsonNode first, com.fasterxml.jackson.databind.JsonNode second,
                             String notes) {}

    /** Runs {@code predict} with the tiny model on {@code first} and {@code second}, written to {@code name}.jsonl. */
    private static Predicted predictTwo(String name, Run first, Run second) throws IOException {
        Path file = dir.resolve(name + ".jsonl");
        RunWriter.writeAll(file, List.of(first, second));
        Path out = dir.resolve(name + "-pred.jsonl");
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            run("predict", "--runs", file.toString(), "--model", model.toString(), "--out", out.toString());
        } finally {
            System.setErr(oldErr);
        }
        List<String> lines = Files.readAllLines(out);
        return new Predicted(dev.ncpl.util.Json.MAPPER.readTree(lines.get(0)), dev.ncpl.util.Json.MAPPER.readTree(lines.get(1)),
                err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a command that must fail with exit code 1; returns what it printed on stderr. */
    private static String runFailing(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        PrintStream old = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            picocli.CommandLine cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(err));
            assertEquals(1, cl.execute(args), err.toString());
            return err.toString();
        } finally {
            System.setOut(old);
        }
    }

    /** A copy of the test's model folder, named {@code name}, to refit without touching the shared one. */
    private static Path copyOfModel(String name) throws IOException {
        Path copy = dir.resolve(name);
        try (var files = Files.walk(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(model.relativize(f).toString()));
            }
        }
        return copy;
    }

    /**
     * Without --runs, a command that fits a model's parts again reads the run files the model was trained on (the
     * names its provenance records, in --data); a recorded name that is a path is refused, never followed.
     */
    @Test
    void commandsOnAModelDefaultToTheRunFilesItWasTrainedOn() throws IOException {
        Path copy = copyOfModel("model-own-files");
        String ok = run("calibrate", "--model", copy.toString(), "--data", dir.toString());
        assertTrue(ok.contains("wrote " + copy.resolve("intervals.json")), ok);
        Path empty = Files.createDirectories(dir.resolve("no-logs"));
        String missing = runFailing("calibrate", "--model", copy.toString(), "--data", empty.toString());
        assertTrue(missing.contains(empty.resolve("runs.jsonl") + " does not exist"), missing);

        Path manifest = copy.resolve(dev.ncpl.model.NcplModel.MANIFEST);
        com.fasterxml.jackson.databind.node.ObjectNode m = (com.fasterxml.jackson.databind.node.ObjectNode)
                dev.ncpl.util.Json.MAPPER.readTree(manifest.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode data = (com.fasterxml.jackson.databind.node.ObjectNode)
                m.path("provenance").path("data");
        data.removeAll();
        data.put("../runs.jsonl", "0");
        dev.ncpl.util.Json.writePretty(manifest, m);
        String path = runFailing("calibrate", "--model", copy.toString(), "--data", empty.toString());
        assertTrue(path.contains("records run file '../runs.jsonl', which is not a plain file name"), path);
    }

    /**
     * Each command that fits again a part beside the network appends to the model's provenance what it read and
     * what it wrote, with hashes; the model still loads.
     */
    @Test
    void refitsAreRecordedInTheModelsProvenance() throws IOException {
        Path copy = copyOfModel("model-refits");
        Path runs = dir.resolve("runs.jsonl");
        run("calibrate", "--model", copy.toString(), "--runs", runs.toString(), "--growth", "3");
        run("refit", "--model", copy.toString(), "--runs", runs.toString());
        com.fasterxml.jackson.databind.JsonNode manifest = dev.ncpl.util.Json.MAPPER.readTree(
                copy.resolve(dev.ncpl.model.NcplModel.MANIFEST).toFile());
        com.fasterxml.jackson.databind.JsonNode refits = manifest.path("provenance").path("refits");
        assertEquals(2, refits.size(), refits.toString());
        com.fasterxml.jackson.databind.JsonNode calibrate = refits.get(0);
        assertEquals("ncpl calibrate --growth 3.0", calibrate.path("command").asText());
        assertEquals(dev.ncpl.util.Hashing.sha256(runs), calibrate.path("data").path("runs.jsonl").asText());
        for (String f : List.of("intervals.json", "conditioned-intervals.json")) {
            assertEquals(dev.ncpl.util.Hashing.sha256(copy.resolve(f)), calibrate.path("files").path(f).asText(), f);
        }
        com.fasterxml.jackson.databind.JsonNode prefix = refits.get(1);
        assertEquals("ncpl refit", prefix.path("command").asText());
        for (String f : List.of("prefix.json.gz", "shape.json.gz", "final-trees.json.gz")) {
            assertEquals(dev.ncpl.util.Hashing.sha256(copy.resolve(f)), prefix.path("files").path(f).asText(), f);
        }
        assertTrue(java.time.Instant.parse(prefix.path("at").asText()).isAfter(
                java.time.Instant.parse(manifest.path("provenance").path("created").asText())));
        assertEquals(3.0, dev.ncpl.uncertainty.PredictionIntervals.loadIfPresent(copy).growth(), 0.0);
        // the training record is kept as it was
        com.fasterxml.jackson.databind.JsonNode trained = dev.ncpl.util.Json.MAPPER.readTree(
                model.resolve(dev.ncpl.model.NcplModel.MANIFEST).toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) manifest.path("provenance")).remove("refits");
        assertEquals(trained, manifest);
        try (dev.ncpl.predict.BlendedPredictor p = dev.ncpl.predict.BlendedPredictor.load(copy)) {
            assertEquals(1, p.predict(List.of(candidates.get(0))).size());
        }
    }

    @Test
    void baselineRefitReplacesOnlyALawThatStaysPutAtTheTrainingRuns() throws IOException {
        Path copy = copyOfModel("model-refit");
        Path file = copy.resolve(dev.ncpl.model.NcplModel.BASELINE);
        dev.ncpl.baseline.Baseline saved = dev.ncpl.baseline.Baseline.load(file);
        dev.ncpl.baseline.ChinchillaLaw law = saved.law("alpha");
        // a law 0.01 off at every training run: the network's residuals were not taken over it, so it stays
        dev.ncpl.baseline.Baseline shifted = saved.withShift("alpha", 0.01, "moved by the test");
        shifted.save(file);
        String out = run("baseline", "--model", copy.toString(), "--runs", dir.resolve("runs.jsonl").toString());
        assertTrue(out.contains("alpha      kept"), out);
        assertEquals(law.e() + 0.01, dev.ncpl.baseline.Baseline.load(file).law("alpha").e(), 1e-12);
        // the law training fitted: nothing to replace, and the file keeps it exactly; a baseline saved before loss
        // units were kept gets its sources' units (what a new source is read as its sister by)
        new dev.ncpl.baseline.Baseline(saved.sources(), saved.pooled(), saved.unresolved(), saved.sparsity(), null)
                .save(file);
        assertTrue(dev.ncpl.baseline.Baseline.load(file).lossUnits().isEmpty());
        out = run("baseline", "--model", copy.toString(), "--runs", dir.resolve("runs.jsonl").toString());
        assertTrue(!out.contains("kept"), out);
        assertEquals(law, dev.ncpl.baseline.Baseline.load(file).law("alpha"));
        assertEquals(saved.lossUnits(), dev.ncpl.baseline.Baseline.load(file).lossUnits());
        assertTrue(saved.lossUnits().containsKey("alpha"), saved.lossUnits().toString());
        com.fasterxml.jackson.databind.JsonNode refits = dev.ncpl.util.Json.MAPPER.readTree(
                copy.resolve(dev.ncpl.model.NcplModel.MANIFEST).toFile()).path("provenance").path("refits");
        assertEquals(2, refits.size(), refits.toString());
        assertEquals("ncpl baseline --model", refits.get(1).path("command").asText());
        assertEquals(dev.ncpl.util.Hashing.sha256(file), refits.get(1).path("files").path("baseline.json").asText());
    }

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            assertEquals(0, code, buf.toString(StandardCharsets.UTF_8));
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(old);
        }
    }
}
