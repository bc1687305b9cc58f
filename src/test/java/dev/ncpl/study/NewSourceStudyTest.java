package dev.ncpl.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.train.Recipe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new-source protocol in CI-sized form: two generated sources, a tiny recipe, k = 0 and 10, one draw of each
 * variant. Checks what it leaves out and scores, that every predictor is scored beside the law, that the report is
 * written, and that a study run again reuses its models and results.
 */
class NewSourceStudyTest {
    @TempDir
    static Path dir;

    static Recipe tinyParent() {
        return new Recipe("tiny-parent", "test", "in_val", List.of("alpha"), 5, 1,
                new Recipe.Network(16, 2, 1, 32, 32, 0.1), 32, 4, 0.5, 1.0, 0.0, 50,
                List.of(new Recipe.Stage("all", List.of(), 4, 0.003, 0.5),
                        new Recipe.Stage("targets", List.of("alpha"), 1, 0.001, 0.0)), null);
    }

    static Recipe tinyAdapt() {
        return new Recipe("tiny-adapt", "test", "in_val", List.of(), 5, 1, new Recipe.Network(16, 2, 1, 32, 32, 0.1),
                8, 4, 0.5, 1.0, 0.0, 50, List.of(new Recipe.Stage("new", List.of(), 3, 0.001, 0.5)), null);
    }

    private static List<Run> runs() {
        List<Run> runs = new ArrayList<>(Fixtures.runs(120, 4, 0.003, 11, "alpha"));
        runs.addAll(Fixtures.runs(80, 3, 0.003, 12, "beta"));
        return runs;
    }

    @Test
    void randomDrawsSplitASourceIntoGivenAndScoredAlike() {
        List<Run> alpha = Fixtures.runs(60, 4, 0.003, 11, "alpha");
        List<NewSourceDraws.Draw> draws = NewSourceDraws.random("alpha", alpha, 10, 3, 17);
        assertEquals(3, draws.size());
        Set<Set<String>> givens = new HashSet<>();
        for (NewSourceDraws.Draw d : draws) {
            Set<String> given = d.given().stream().map(Run::id).collect(Collectors.toSet());
            Set<String> scored = d.scored().stream().map(Run::id).collect(Collectors.toSet());
            assertEquals(10, given.size());
            assertEquals(50, scored.size());
            assertTrue(given.stream().noneMatch(scored::contains));
            givens.add(given);
        }
        assertEquals(3, givens.size(), "each draw gives other runs");
        // seeded and independent of the order of the run files
        List<Run> reversed = new ArrayList<>(alpha);
        java.util.Collections.reverse(reversed);
        assertEquals(draws, NewSourceDraws.random("alpha", reversed, 10, 3, 17));
        NewSourceDraws.Draw none = NewSourceDraws.random("alpha", alpha, 0, 3, 17).get(0);
        assertEquals(List.of(), none.given());
        assertEquals(60, none.scored().size());
        assertEquals(List.of(), NewSourceDraws.random("alpha", alpha, 60, 3, 17), "nothing left to score");
    }

    @Test
    void smallestSizeDrawsGivePilotRunsAndScoreTheLargestSize() {
        List<Run> alpha = Fixtures.runs(80, 4, 0.003, 11, "alpha");
        double largest = alpha.stream().mapToDouble(r -> Scale.params(r).orElseThrow()).max().orElseThrow();
        double smallest = alpha.stream().mapToDouble(r -> Scale.params(r).orElseThrow()).min().orElseThrow();
        List<NewSourceDraws.Draw> draws = NewSourceDraws.smallestSizes("alpha", alpha, 10, 2, 17);
        assertEquals(2, draws.size());
        for (NewSourceDraws.Draw d : draws) {
            assertEquals(20, d.scored().size());
            assertTrue(d.scored().stream().allMatch(r -> Scale.params(r).orElseThrow() == largest));
            // 20 runs of each size: the smallest size alone holds 2k runs
            assertTrue(d.given().stream().allMatch(r -> Scale.params(r).orElseThrow() == smallest), d.given().toString());
        }
        assertEquals(List.of(), NewSourceDraws.smallestSizes("alpha", Fixtures.runs(20, 1, 0.003, 11, "alpha"), 5, 2, 17),
                "a single size has no larger one to score");
    }

    @Test
    void aRecipeWithoutASourceDropsItFromTargetsAndStages() {
        Recipe r = tinyParent().without("alpha");
        assertEquals(List.of(), r.targetSources());
        assertEquals(List.of("all"), r.stages().stream().map(Recipe.Stage::name).toList());
        assertEquals(tinyParent().stages(), tinyParent().without("beta").stages());
        Recipe onlyAlpha = new Recipe("x", "", "in_val", List.of(), 5, 1, tinyParent().model(), 8, 4, 0.5, 1.0, 0.0, 5,
                List.of(new Recipe.Stage("a", List.of("alpha"), 1, 0.001, 0.0)), null);
        assertThrows(IllegalArgumentException.class, () -> onlyAlpha.without("alpha"));
    }

    @Test
    void everySourceIsLeftOutAndScoredBesideItsLawThenReusedWhenRunAgain() throws IOException {
        NewSourceStudy.Settings settings = new NewSourceStudy.Settings(tinyParent(), tinyAdapt(), List.of(0, 10), 1, 40,
                true, true, 17, dev.ncpl.train.SourceAdaptation.SISTER);
        Path work = dir.resolve("work");
        Path reportDir = dir.resolve("eval").resolve("new-source");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        List<Run> runs = runs();
        NewSourceReport report = new NewSourceStudy(settings, work, quiet).run(runs, List.of(), List.of("fixtures"),
                reportDir);
        report.write(reportDir);
        // each source: k = 0, one random draw of 10 and one of its smallest sizes
        assertEquals(6, report.results().size());
        for (NewSourceStudy.Result r : report.results()) {
            long size = runs.stream().filter(x -> x.source().equals(r.source())).count();
            if (r.variant().equals(NewSourceDraws.RANDOM)) {
                assertEquals(size - r.k(), r.scored());
            }
            assertEquals(r.k(), r.given());
            List<String> predictors = r.scores().stream().map(NewSourceStudy.Score::predictor).toList();
            assertEquals(r.k() == 0 ? List.of(NewSourceStudy.NCPL, NewSourceStudy.LAW)
                    : List.of(NewSourceStudy.NCPL, NewSourceStudy.FINE_TUNE, NewSourceStudy.LAW, NewSourceStudy.SCRATCH),
                    predictors);
            for (NewSourceStudy.Score s : r.scores()) {
                assertEquals(r.scored(), s.runs() + s.declined());
                assertTrue(s.mae() > 0 && s.mae() < 1, r + ": " + s);
            }
            NewSourceStudy.Score ncpl = r.scores().get(0);
            if (r.k() > 0) {
                // the fine-tuning beside the correction train --from chose, scored on the same runs with its intervals
                NewSourceStudy.Score fineTuned = r.scores().get(1);
                assertEquals(r.scored(), fineTuned.runs());
                assertTrue(fineTuned.coverage() >= 0 && fineTuned.coverage() <= 1 && fineTuned.width() > 0,
                        fineTuned.toString());
            }
            assertTrue(ncpl.coverage() >= 0 && ncpl.coverage() <= 1 && ncpl.width() > 0, ncpl.toString());
        }
        double ratio = report.headlineRatio(NewSourceDraws.RANDOM, 10);
        assertTrue(Double.isFinite(ratio) && ratio > 0, "ratio " + ratio);
        String md = Files.readString(reportDir.resolve("report.md"));
        assertTrue(md.contains("| random | 10 | "), md);
        assertTrue(md.contains("| alpha | 10 | 1 | "), md);
        assertTrue(Files.size(reportDir.resolve("mae-by-k.png")) > 1000);
        assertTrue(Files.readString(reportDir.resolve("figures.json")).contains("\"median_ratio_to_law\""));
        // the adapted and scratch models are not kept; the parents and each draw's result are
        assertFalse(Files.exists(work.resolve("alpha").resolve("random-k10-d0").resolve("adapted")));
        Path parentManifest = work.resolve("alpha").resolve("parent").resolve("model.json");
        FileTime trained = Files.getLastModifiedTime(parentManifest);

        NewSourceReport again = new NewSourceStudy(settings, work, quiet).run(runs, List.of("alpha"), List.of("fixtures"),
                null);
        assertEquals(trained, Files.getLastModifiedTime(parentManifest), "the parent was reused");
        assertEquals(report.results().stream().filter(r -> r.source().equals("alpha")).toList(), again.results());

        assertThrows(IllegalArgumentException.class, () -> new NewSourceStudy(settings, work, quiet)
                .run(runs, List.of("gamma"), List.of("fixtures"), null));
    }
}
