package dev.ncpl.residual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import dev.ncpl.util.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A correction reads the data set (and the metric) a new source's runs differ in as levels: the parent, which read
 * the source as one, is off by a different amount on each.
 */
class SourceCorrectionsTest {
    /** Runs of one source, every {@code everyB}th trained on data set "b", the rest on "a". */
    private static List<Run> runs(int count, long seed, int everyB) {
        List<Run> out = new ArrayList<>();
        int i = 0;
        for (Run r : Fixtures.runs(count, 4, 0.0, seed, "theta")) {
            ObjectNode config = r.config().deepCopy();
            ((ObjectNode) config.get("data")).put("dataset", i++ % everyB == 0 ? "b" : "a");
            out.add(new Run(r.id(), r.source(), null, r.metric(), config, r.curve()));
        }
        return out;
    }

    /** "Parent" predictions 3% too low on data set a and 15% on b, with a little noise. */
    private static double[] parentFinals(List<Run> runs, long seed) {
        Random rnd = new Random(seed);
        double[] out = new double[runs.size()];
        for (int i = 0; i < out.length; i++) {
            Run r = runs.get(i);
            double off = (r.text("data.dataset").orElseThrow().equals("b") ? 0.15 : 0.03) + 0.005 * rnd.nextGaussian();
            out[i] = r.curve().finalLoss() * Math.exp(-off);
        }
        return out;
    }

    @Test
    void aDataSetTheRunsDifferInIsReadAsALevel(@TempDir Path dir) throws Exception {
        List<Run> given = runs(40, 3, 2);
        List<Run> scored = runs(40, 4, 2);
        SourceCorrections.Correction c = SourceCorrections.fit(given, parentFinals(given, 1), 5);
        assertEquals(Map.of("data.dataset", List.of("a", "b")), c.levels());
        double[] finals = parentFinals(scored, 2);
        double mae = 0;
        for (int i = 0; i < scored.size(); i++) {
            double corrected = finals[i] * Math.exp(c.logFactor(scored.get(i), finals[i]));
            mae += Math.abs(corrected / scored.get(i).curve().finalLoss() - 1) / scored.size();
        }
        assertTrue(mae < 0.02, "relative error " + mae + " where the two data sets are 12% apart");
        // the levels survive saving
        new SourceCorrections(Map.of("theta", c)).save(dir);
        assertEquals(c.levels(), SourceCorrections.loadIfPresent(dir).sources().get("theta").levels());
        // one data set, or a value fewer than three runs give, is no level
        assertEquals(Map.of(), SourceCorrections.levels(runs(10, 3, 1000)));
        assertEquals(Map.of(), SourceCorrections.levels(runs(10, 3, 5)), "two runs of b among ten");
        assertEquals(Map.of("data.dataset", List.of("a", "b")), SourceCorrections.levels(runs(10, 3, 3)));
        // nor is a field some runs do not give
        List<Run> partly = new ArrayList<>(runs(10, 3, 2));
        Run first = partly.get(0);
        ObjectNode config = first.config().deepCopy();
        ((ObjectNode) config.get("data")).remove("dataset");
        partly.set(0, new Run(first.id(), first.source(), null, first.metric(), config, first.curve()));
        assertEquals(Map.of(), SourceCorrections.levels(partly));
        assertTrue(Json.MAPPER.writeValueAsString(c).contains("\"levels\""));
    }
}
