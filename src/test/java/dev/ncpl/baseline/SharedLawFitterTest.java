package dev.ncpl.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shared law: one size and data term over sources that differ in level, each source at model sizes
 * of its own (the case where one law through all runs mistakes the level difference for a size effect).
 */
class SharedLawFitterTest {
    static final ChinchillaLaw SHARED = new ChinchillaLaw(2.0, 400, 1500, 0.34, 0.30);
    static final Map<String, Double> LEVELS = Map.of("small", -0.35, "middle", 0.05, "large", 0.30);

    /** Points of a source whose E is the shared one plus {@code level}, at its own sizes. */
    static List<ChinchillaFitter.Point> source(double level, double[] sizes, Random rnd) {
        List<ChinchillaFitter.Point> pts = new ArrayList<>();
        for (double n : sizes) {
            for (double mult : new double[] {5, 10, 20, 40, 80}) {
                double d = n * mult;
                pts.add(new ChinchillaFitter.Point(n, d, (SHARED.predict(n, d) + level) * Math.exp(0.002 * rnd.nextGaussian())));
            }
        }
        return pts;
    }

    static Map<String, List<ChinchillaFitter.Point>> sources() {
        Random rnd = new Random(3);
        Map<String, List<ChinchillaFitter.Point>> by = new TreeMap<>();
        // the low-loss source trains small models and the high-loss one large models: a single law through
        // them all sees the loss rise with size
        by.put("small", source(LEVELS.get("small"), new double[] {2e7, 4e7, 8e7, 1.6e8}, rnd));
        by.put("middle", source(LEVELS.get("middle"), new double[] {5e7, 1e8, 2e8, 4e8}, rnd));
        by.put("large", source(LEVELS.get("large"), new double[] {2e8, 4e8, 8e8, 1.6e9}, rnd));
        return by;
    }

    @Test
    void recoversTheSharedTermsAndEachSourcesLevel() {
        SharedLawFitter.Shared shared = new SharedLawFitter(new ChinchillaFitter()).fit(sources());
        ChinchillaLaw law = shared.fit().law();
        double meanLevel = LEVELS.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertEquals(SHARED.alpha(), law.alpha(), 0.05);
        assertEquals(SHARED.beta(), law.beta(), 0.05);
        // the pooled law stands at the sources' mean level
        assertEquals(SHARED.predict(3e8, 6e9) + meanLevel, law.predict(3e8, 6e9), 0.02);
        LEVELS.forEach((s, level) -> assertEquals(level - meanLevel, shared.offsets().get(s), 0.02, s));
        assertTrue(shared.fit().notes().stream().anyMatch(n -> n.contains("shared by 3 sources")), shared.fit().notes().toString());
    }

    @Test
    void aSingleLawThroughAllRunsGetsTheSizeTrendWrongWhereTheSharedLawDoesNot() {
        Map<String, List<ChinchillaFitter.Point>> by = sources();
        List<ChinchillaFitter.Point> all = new ArrayList<>();
        by.values().forEach(all::addAll);
        ChinchillaLaw single = new ChinchillaFitter().fit(all).law();
        ChinchillaLaw shared = new SharedLawFitter(new ChinchillaFitter()).fit(by).fit().law();
        // the loss gained from 1e8 to 1e9 parameters at 20 tokens per parameter
        double truth = SHARED.predict(1e8, 2e9) - SHARED.predict(1e9, 2e10);
        double sharedGain = shared.predict(1e8, 2e9) - shared.predict(1e9, 2e10);
        double singleGain = single.predict(1e8, 2e9) - single.predict(1e9, 2e10);
        assertEquals(truth, sharedGain, 0.03);
        assertTrue(Math.abs(singleGain - truth) > 0.1, "single law's gain " + singleGain + " vs " + truth);
    }

    @Test
    void aSourceLeftOutIsMissedByItsLevelAgainstTheOthers() {
        Map<String, List<ChinchillaFitter.Point>> by = sources();
        SharedLawFitter fitter = new SharedLawFitter(new ChinchillaFitter());
        Map<String, List<ChinchillaFitter.Point>> others = new TreeMap<>(by);
        others.remove("large");
        ChinchillaLaw law = fitter.fit(others).fit().law();
        double expected = LEVELS.get("large") - (LEVELS.get("small") + LEVELS.get("middle")) / 2;
        double mean = by.get("large").stream().mapToDouble(p -> p.loss() - law.predict(p.params(), p.tokens()))
                .average().orElseThrow();
        assertEquals(expected, mean, 0.05);
    }
}
