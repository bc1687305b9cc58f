package dev.ncpl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalReportTest {
    @Test
    void writesMarkdownJsonAndPlots(@TempDir Path dir) throws IOException {
        List<Run> runs = new ArrayList<>(Fixtures.runs(60, 4, 0.01, 2, "alpha"));
        runs.addAll(Fixtures.runs(60, 4, 0.01, 3, "beta"));
        Protocol p = Protocol.IN_VAL;
        Baseline b = Baseline.fit(p.training(runs));
        List<Run> test = p.evaluation(runs);
        EvalReport report = new EvalReport("t", "test report", test);
        report.add("chinchilla", new ChinchillaPredictor(b).predict(test));
        report.write(dir);
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| alpha/in_val | chinchilla |"), md);
        assertTrue(md.contains("| beta/in_val | chinchilla |"), md);
        assertTrue(Files.readString(dir.resolve("figures.json")).contains("\"finalMae\""));
        assertTrue(!md.contains("## Runs that stop early"), "no scored run stops early");
        for (String f : List.of("scatter-alpha.png", "curves-alpha.png", "scatter-beta.png", "curves-beta.png")) {
            byte[] png = Files.readAllBytes(dir.resolve(f));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f);
        }
    }

    @Test
    void extrapolationHoldsBackTheLargestSize() {
        List<Run> runs = Fixtures.runs(90, 3, 0.01, 2, "s");
        double largest = runs.stream().mapToDouble(r -> r.number("model.non_embedding_params").orElseThrow())
                .max().orElseThrow();
        Protocol p = Protocol.EXTRAPOLATION;
        assertTrue(p.training(runs).stream().allMatch(r -> r.number("model.non_embedding_params").get() < largest
                && r.split().equals("train")));
        assertTrue(p.evaluation(runs).stream().allMatch(r -> r.number("model.non_embedding_params").get() == largest));
        assertTrue(p.evaluation(runs).size() == 30);
    }

    @Test
    void runsThatStopEarlyGetTheirOwnTable() {
        List<Run> test = new ArrayList<>(Fixtures.runs(20, 2, 0.01, 2, "alpha"));
        Run full = test.get(3);
        test.set(3, full.withCurve(full.curve().prefix(full.number("schedule.total_steps").orElseThrow() * 0.6)));
        Baseline b = Baseline.fit(test);
        EvalReport report = new EvalReport("t", "test report", test, Run::source);
        Metrics m = report.add("chinchilla", new ChinchillaPredictor(b).predict(test)).get("alpha");
        assertEquals(1, m.stoppedEarly());
        assertTrue(m.finalMaeAtScheduleEnd() != m.finalMae());
        String md = report.markdown();
        assertTrue(md.contains("## Runs that stop early"), md);
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "| alpha | chinchilla | 20 | 1 | %.4f | %.4f | %.4f |",
                m.finalMae(), m.finalMaeAtScheduleEnd(), m.finalMaeReachingScheduleEnd())), md);
    }
}
