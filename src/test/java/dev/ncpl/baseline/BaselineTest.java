package dev.ncpl.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where a source's own runs cannot identify how its loss falls with size (fewer than three sizes), the
 * baseline takes the size exponent from the best-identified source that logs the same metric, and from
 * Epoch's refit of Chinchilla only where there is none.
 */
class BaselineTest {
    /** Runs of {@code source} over the first {@code shapes} fixture shapes, logging {@code metric}. */
    private static List<Run> runs(String source, int shapes, String metric, long seed) {
        return Fixtures.runs(60, shapes, 0.002, seed, source).stream()
                .map(r -> new Run(r.id(), r.source(), r.split(), metric, r.config(), r.curve())).toList();
    }

    private static Baseline fit(List<List<Run>> sources) {
        List<Run> all = new ArrayList<>();
        sources.forEach(all::addAll);
        return Baseline.fit(all);
    }

    @Test
    void aSourceOfTwoSizesBorrowsTheSizeExponentOfTheBestIdentifiedSourceThatLogsTheSameMetric() {
        Baseline b = fit(List.of(runs("few", 2, "eval/c4", 1), runs("many", 4, "eval/c4", 2),
                runs("most", 6, "train/loss", 3)));
        Baseline.SourceFit many = b.sources().get("many");
        Baseline.SourceFit few = b.sources().get("few");
        assertTrue(many.distinctParams() >= 3 && many.notes().isEmpty(), many.toString());
        assertEquals(many.law().alpha(), few.law().alpha(), 1e-12);
        assertTrue(few.notes().stream().anyMatch(n -> n.contains("the law of many, which logs the same metric")),
                few.notes().toString());
        // what it borrows is not Epoch's exponent (else the test would pass by accident)
        assertTrue(Math.abs(few.law().alpha() - ChinchillaLaw.EPOCH_REFIT.alpha()) > 0.01, few.law().toString());
    }

    @Test
    void withNoSourceOfTheSameMetricTheExponentStaysEpochs() {
        Baseline b = fit(List.of(runs("few", 2, "eval/c4", 1), runs("most", 6, "train/loss", 3)));
        Baseline.SourceFit few = b.sources().get("few");
        assertEquals(ChinchillaLaw.EPOCH_REFIT.alpha(), few.law().alpha(), 1e-12);
        assertTrue(few.notes().stream().noneMatch(n -> n.contains("the law of")), few.notes().toString());
    }

    @Test
    void anUnnamedMetricMatchesNoOther() {
        Baseline b = fit(List.of(runs("few", 2, "", 1), runs("many", 4, "", 2)));
        assertEquals(ChinchillaLaw.EPOCH_REFIT.alpha(), b.sources().get("few").law().alpha(), 1e-12);
    }

    @Test
    void theBorrowedExponentLeavesTheLawAtTheSourcesOwnRunsAsItWas() {
        List<Run> few = runs("few", 2, "eval/c4", 1);
        Baseline alone = Baseline.fit(few);
        Baseline borrowing = fit(List.of(few, runs("many", 4, "eval/c4", 2)));
        // two sizes and a free E and A: either exponent fits the two sizes alike, only beyond them do they part
        for (Run r : few) {
            dev.ncpl.runs.Scale s = dev.ncpl.runs.Scale.of(r);
            assertEquals(alone.law("few").predict(s.params(), s.tokens()),
                    borrowing.law("few").predict(s.params(), s.tokens()), 1e-4, r.id());
        }
    }

    @Test
    void aNewSourceIsASisterOfTheBestMeasuredSourceWhoseLossesAreOnItsScaleAndTheUnitsAreSaved(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        Baseline b = fit(List.of(runs("few", 2, "eval/c4", 1), runs("many", 4, "eval/c4", 2),
                runs("some", 3, "eval/c4", 4), runs("most", 6, "train/loss", 3), runs("lone", 2, "val/dolma", 5)));
        assertEquals(java.util.Set.of("few", "many", "some", "most", "lone"), b.lossUnits().keySet());
        assertEquals(new LossUnit("eval/c4", null, null, null), b.lossUnits().get("many"), "the fixtures name no tokenizer");
        LossUnit c4 = new LossUnit("eval/c4", null, null, null);
        assertEquals(java.util.Optional.of("many"), b.sisterOf(c4), "four sizes before three, two not at all");
        assertEquals(java.util.Optional.of("most"), b.sisterOf(new LossUnit("train/loss", "llama3", "128256", "dclm")),
                "a field only the new source gives does not part them");
        assertEquals(java.util.Optional.empty(), b.sisterOf(new LossUnit("val/dolma", null, null, null)),
                "a source of two sizes is no sister");
        assertEquals(java.util.Optional.empty(), b.sisterOf(new LossUnit("eval/other", null, null, null)));
        assertEquals(java.util.Optional.empty(), b.sisterOf(null));
        java.nio.file.Path file = dir.resolve("baseline.json");
        b.save(file);
        assertEquals(b.lossUnits(), Baseline.load(file).lossUnits());
        // a baseline saved before the units were kept names no sister
        new Baseline(b.sources(), b.pooled(), b.unresolved()).save(file);
        assertEquals(java.util.Optional.empty(), Baseline.load(file).sisterOf(c4));
        // what fine-tuning merges keeps the units of both
        Baseline added = fit(List.of(runs("new", 3, "eval/new", 6)));
        assertEquals("eval/new", b.withNewSources(added).lossUnits().get("new").metric());
        assertEquals(c4, b.withShift("many", 0.1, "test").lossUnits().get("many"));
    }

    @Test
    void aNewSourceIsReadOnAKnownScaleOnlyWhereItGivesEveryFieldTheKnownSourceGivesAlike() {
        List<Run> neox = runs("openlm-like", 3, "eval/c4", 7).stream().map(r -> with(r, "gpt-neox-20b", 50432)).toList();
        List<Run> llama = runs("marin-like", 3, "eval/c4", 8).stream().map(r -> with(r, "llama3", 128256)).toList();
        LossUnit u = LossUnit.of(neox);
        assertEquals(new LossUnit("eval/c4", "gpt-neox-20b", "50432", null), u);
        assertTrue(u.readableAs(LossUnit.of(neox)));
        assertTrue(!u.readableAs(LossUnit.of(llama)), "another tokenizer: another scale");
        assertTrue(u.readableAs(new LossUnit("eval/c4", null, null, null)), "fields the known source lacks do not part them");
        assertTrue(!new LossUnit("eval/c4", null, null, null).readableAs(u),
                "a tokenizer the known source gives and the new one does not: nothing shows they share it");
        assertTrue(!u.readableAs(new LossUnit("eval/c4", "gpt-neox-20b", "50432", "c4")), "a dataset only it gives");
        assertTrue(!u.readableAs(new LossUnit("eval/other", "gpt-neox-20b", "50432", null)));
        assertEquals(null, LossUnit.of(runs("unnamed", 3, "", 9)), "runs that name no metric have no unit");
        Baseline b = fit(List.of(llama));
        assertEquals(java.util.Optional.empty(), b.sisterOf(u));
        assertEquals(java.util.Optional.of("marin-like"), b.sisterOf(LossUnit.of(llama)));
    }

    private static Run with(Run r, String tokenizer, int vocab) {
        com.fasterxml.jackson.databind.node.ObjectNode config = r.config().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("data")).put("tokenizer", tokenizer);
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("model")).put("vocab_size", vocab);
        return new Run(r.id(), r.source(), r.split(), r.metric(), config, r.curve());
    }
}
