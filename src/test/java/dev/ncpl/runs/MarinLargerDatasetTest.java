package dev.ncpl.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The committed runs of datasets/marin-larger, transcribed from the sweep's published tables, hold to the rules
 * their data card states: every run read strictly, a Llama shape of one of the two sizes, budgets that are whole
 * multiples of Chinchilla's 20 tokens a parameter, a one-point curve at the schedule's end and no diverged loss.
 */
class MarinLargerDatasetTest {
    private static final Path FILE = Path.of("datasets/marin-larger/runs.jsonl");
    private static final Map<Double, Integer> D_MODEL = Map.of(536_870_912.0, 1024, 1_207_959_552.0, 1536);

    @Test
    void runsFollowTheDataCard() throws IOException {
        List<Run> runs = RunReader.readAll(List.of(FILE));
        Map<String, Long> bySize = runs.stream().collect(Collectors.groupingBy(
                r -> RunStats.human(Scale.of(r).params()), TreeMap::new, Collectors.counting()));
        assertEquals(Map.of("1.21B", 37L, "537M", 107L), bySize);
        for (Run r : runs) {
            assertEquals("marin", r.source(), r.id());
            assertEquals("in_val", r.split(), r.id());
            assertEquals("eval/paloma/c4_en/loss", r.metric(), r.id());
            double n = Scale.of(r).params();
            assertEquals(D_MODEL.get(n), r.number("model.d_model").orElseThrow().intValue(), r.id());
            double steps = r.number("schedule.total_steps").orElseThrow();
            double batchTokens = r.number("data.batch_tokens").orElseThrow();
            assertEquals(r.number("data.batch_size").orElseThrow() * 4096, batchTokens, 0.0, r.id());
            assertEquals(steps * batchTokens, Scale.of(r).tokens(), 0.0, r.id());
            double multiple = steps * batchTokens / (20 * n);
            assertEquals(Math.round(multiple), multiple, 0.01, r.id() + ": a multiple of Chinchilla's tokens");
            assertEquals(1, r.curve().size(), r.id());
            assertEquals(steps, r.curve().lastStep(), 0.0, r.id());
            double loss = r.curve().finalLoss();
            assertTrue(loss > 2.7 && loss < 3.1, r.id() + ": " + loss);
            assertTrue(r.id().startsWith("marin/sweep-" + (n < 1e9 ? "520m" : "1.2b") + "-"), r.id());
        }
    }
}
