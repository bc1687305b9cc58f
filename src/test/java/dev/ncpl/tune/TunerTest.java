package dev.ncpl.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search space, consistent candidates under a budget, and the search itself on a known objective. */
class TunerTest {
    private static final Run BASE = Fixtures.run("base", "alpha", "", 8, 512, 1e-3, 20, 0, new Random(1));

    private static SearchSpace space(String yaml) throws IOException {
        return SearchSpace.parse(new YAMLMapper().readTree(yaml));
    }

    @Test
    void spaceParsesRangesAndChoicesAndRoundsValues() throws IOException {
        SearchSpace s = space("optimizer.lr: {min: 1.0e-4, max: 1.0e-2, log: true}\n"
                + "data.batch_size: [128, 256]\nschedule.warmup_steps: {min: 0, max: 1000, integer: true}\n");
        assertEquals(3, s.size());
        Dimension lr = s.dimensions().get(0);
        assertEquals(1e-4, lr.value(0).asDouble(), 1e-12);
        assertEquals(1e-3, lr.value(0.5).asDouble(), 1e-9);
        assertEquals(0.00123, lr.value(lr.unit(com.fasterxml.jackson.databind.node.DoubleNode.valueOf(0.001234))).asDouble(), 1e-9);
        assertEquals(256, s.dimensions().get(1).value(0.9).asInt());
        assertTrue(s.dimensions().get(2).value(0.3333).isIntegralNumber());
        assertEquals(333, s.dimensions().get(2).value(0.3333).asLong());
    }

    @Test
    void badSpacesAreRefusedWithTheKey(@TempDir Path dir) throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> space("optimizer.lr: {min: 0, max: 1.0e-2, log: true}\n"));
        assertTrue(e.getMessage().contains("optimizer.lr") && e.getMessage().contains("log"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> space("optimizer.lr: {max: 1}\n"));
        assertTrue(e.getMessage().contains("'optimizer.lr'") && e.getMessage().contains("min"), e.getMessage());
        Path file = dir.resolve("space.yaml");
        Files.writeString(file, "data.batch_size: {choices: []}\n");
        e = assertThrows(IllegalArgumentException.class, () -> SearchSpace.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void candidatesStayConsistentUnderAFlopBudget() {
        CandidateFactory f = new CandidateFactory(BASE, new Budget(null, 1e19));
        Run c = f.build("c", java.util.Map.of("data.batch_size", (JsonNode) com.fasterxml.jackson.databind.node.IntNode.valueOf(512),
                "model.d_model", com.fasterxml.jackson.databind.node.IntNode.valueOf(768),
                "model.d_ff", com.fasterxml.jackson.databind.node.IntNode.valueOf(3072)));
        double n = 8 * (4.0 * 768 * 768 + 3.0 * 768 * 3072);
        assertEquals(n, Scale.of(c).params(), 1);
        assertEquals(512 * 2048, Scale.batchTokens(c).orElseThrow(), 0);
        double steps = c.number("schedule.total_steps").orElseThrow();
        assertEquals(Math.round(1e19 / (6 * n) / (512 * 2048)), steps, 0);
        assertEquals(steps * 512 * 2048, Scale.of(c).tokens(), 0);
        // the base is untouched
        assertEquals(128, BASE.number("data.batch_size").orElseThrow(), 0);
    }

    @Test
    void searchFindsTheOptimumOfAKnownObjectiveAndIsSeeded() throws IOException {
        SearchSpace s = space("optimizer.lr: {min: 1.0e-5, max: 1.0, log: true}\ndata.batch_size: [64, 128, 256, 512]\n");
        Tuner.Objective objective = runs -> runs.stream().mapToDouble(r -> {
            double x = Math.log10(r.number("optimizer.lr").orElseThrow() / 2.5e-3);
            double b = Math.log(r.number("data.batch_size").orElseThrow() / 256);
            return 3 + x * x + 0.1 * b * b;
        }).toArray();
        CandidateFactory f = new CandidateFactory(BASE, new Budget(1e9, null));
        Tuner.Settings settings = new Tuner.Settings(64, 4, 3, 7);
        Tuner tuner = new Tuner(s, f, objective, settings);
        List<Tuner.Tuned> best = tuner.run(n -> { });
        assertEquals(3, best.size());
        assertEquals(1 + 64 + 4 * 32, tuner.evaluated());
        double lr = best.get(0).run().number("optimizer.lr").orElseThrow();
        assertTrue(Math.abs(Math.log10(lr / 2.5e-3)) < 0.05, "lr " + lr);
        assertEquals(256, best.get(0).run().number("data.batch_size").orElseThrow(), 0);
        assertTrue(best.get(0).score() <= best.get(1).score() && best.get(1).score() <= best.get(2).score());
        assertTrue(!best.get(0).values().equals(best.get(1).values()), "distinct candidates");
        List<Tuner.Tuned> again = new Tuner(s, f, objective, settings).run(n -> { });
        assertEquals(best.get(0).values(), again.get(0).values());
        assertEquals(1e9, Scale.of(best.get(0).run()).tokens(), 256 * 2048);
    }

    @Test
    void vanDerCorputSequence() {
        assertEquals(0.5, Tuner.halton(1, 2), 0);
        assertEquals(0.25, Tuner.halton(2, 2), 0);
        assertEquals(0.75, Tuner.halton(3, 2), 0);
        assertEquals(1.0 / 3, Tuner.halton(1, 3), 1e-15);
    }
}
