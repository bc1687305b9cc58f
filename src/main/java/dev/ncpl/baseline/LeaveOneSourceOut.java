package dev.ncpl.baseline;

import dev.ncpl.runs.Run;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far off the pooled law is for a source it never saw: each source of the runs is left out in turn,
 * the {@link SharedLawFitter shared law} is fitted on the others, and the left-out source's final losses
 * are compared with it. What a predictor can know of a new source's level before any of its runs is this
 * law, so these errors are the measure of how wide its intervals must be there.
 */
public final class LeaveOneSourceOut {
    private LeaveOneSourceOut() {}

    /**
     * The errors (true − predicted final loss) of each source's runs under the shared law of the other
     * sources; empty when the runs hold fewer than two sources. Runs without a known N and D are skipped.
     */
    public static Map<String, double[]> errors(Collection<Run> runs) {
        Map<String, List<ChinchillaFitter.Point>> bySource = Baseline.pointsBySource(runs, new ArrayList<>());
        Map<String, double[]> out = new TreeMap<>();
        if (bySource.size() < 2) {
            return out;
        }
        SharedLawFitter fitter = new SharedLawFitter(new ChinchillaFitter());
        for (String left : bySource.keySet()) {
            Map<String, List<ChinchillaFitter.Point>> others = new TreeMap<>(bySource);
            others.remove(left);
            ChinchillaLaw law = fitter.fit(others).fit().law();
            out.put(left, bySource.get(left).stream()
                    .mapToDouble(p -> p.loss() - law.predict(p.params(), p.tokens())).toArray());
        }
        return out;
    }
}
