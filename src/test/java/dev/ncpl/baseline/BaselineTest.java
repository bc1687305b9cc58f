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
}
