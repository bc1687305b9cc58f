package dev.ncpl.testing;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.runs.Run;
import java.util.List;

/** Generated runs split into training and held-out (in_val) runs, with the Chinchilla baseline of the training ones. */
public record FixtureSplit(List<Run> train, List<Run> held, Baseline baseline) {
    public static FixtureSplit of(List<Run> runs) {
        List<Run> train = runs.stream().filter(r -> r.split().equals("train")).toList();
        return new FixtureSplit(train, runs.stream().filter(r -> r.split().equals("in_val")).toList(),
                Baseline.fit(train));
    }
}
