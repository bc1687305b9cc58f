package dev.ncpl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.runs.Run;
import dev.ncpl.testing.Fixtures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProtocolTest {
    private static List<Run> withoutSplit(List<Run> runs) {
        return runs.stream().map(r -> new Run(r.id(), r.source(), null, r.metric(), r.config(), r.curve())).toList();
    }

    @Test
    void aSourceWithoutInValGetsAFifthOfItsRunsHeldOutWhateverTheirOrder() {
        List<Run> split = Fixtures.runs(50, 4, 0.003, 1, "alpha"); // has in_val runs
        List<Run> none = withoutSplit(Fixtures.runs(40, 4, 0.003, 2, "stones"));
        List<Run> few = withoutSplit(Fixtures.runs(9, 3, 0.003, 3, "tiny"));
        List<Run> all = new ArrayList<>(split);
        all.addAll(none);
        all.addAll(few);

        List<Run> val = Protocol.IN_VAL.validation(all);
        List<Run> train = Protocol.IN_VAL.training(all);
        assertEquals(8, val.stream().filter(r -> r.source().equals("stones")).count());
        assertEquals(0, val.stream().filter(r -> r.source().equals("tiny")).count(), "too few runs to hold any out");
        assertEquals(split.stream().filter(r -> r.split().equals("in_val")).count(),
                val.stream().filter(r -> r.source().equals("alpha")).count(), "alpha keeps its own in_val, no more");
        Set<String> trainIds = new HashSet<>();
        train.forEach(r -> trainIds.add(r.id()));
        assertTrue(val.stream().noneMatch(r -> trainIds.contains(r.id())));
        assertEquals(all.size(), train.size() + val.size());
        assertEquals(ids(val), ids(Protocol.IN_VAL.evaluation(all)));
        assertTrue(val.stream().allMatch(r -> r.split().equals("in_val")), "held out as in_val, reported as in_val");

        // the same runs are held out whatever the order, and whatever other sources come along
        List<Run> shuffled = new ArrayList<>(none);
        Collections.shuffle(shuffled, new Random(7));
        assertEquals(ids(val.stream().filter(r -> r.source().equals("stones")).toList()),
                ids(Protocol.IN_VAL.validation(shuffled)));

        // a model trained before seeded in_val existed finds its runs again without it
        assertEquals(0, Protocol.IN_VAL.validation(all, false).stream().filter(r -> r.source().equals("stones")).count());
        assertEquals(40, Protocol.IN_VAL.training(all, false).stream().filter(r -> r.source().equals("stones")).count());
    }

    private static Set<String> ids(List<Run> runs) {
        Set<String> out = new HashSet<>();
        runs.forEach(r -> out.add(r.id()));
        return out;
    }
}
