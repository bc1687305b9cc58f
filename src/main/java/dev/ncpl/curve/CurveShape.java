package dev.ncpl.curve;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.settings.PosthocSettings;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The shape of a loss curve back from its final loss: log(L(t) / L(final)) at any earlier step, learnt
 * from the training curves by the {@link PrefixConditioner}'s laws and trees with the final point as
 * the observed one. The network's curve head sees a curve at a few points per run and drifts in the
 * middle of runs whose (size, tokens) cell it never saw; anchored at the network's final loss, this
 * model's curve errs the other way as often. {@code BlendedPredictor} returns the geometric mean of the
 * two, which beat both alone on the held-back sizes. Saved beside a trained predictor as {@value #FILE}.
 *
 * <p>It also holds, per source with enough curves, a {@link CurveGp}: the whole shape back from the final
 * loss as a Gaussian process of the config, which {@code BlendedPredictor} weighs in after the mean above.
 */
public final class CurveShape {
    /** File name in a model folder. */
    public static final String FILE = ModelFile.SHAPE.fileName();

    private final PrefixConditioner fromFinal;
    private final Map<String, CurveGp> gps;

    /**
     * @param gps the curve processes by source (none is written as absent)
     */
    @JsonCreator
    public CurveShape(@JsonProperty("from_final") PrefixConditioner fromFinal,
                      @JsonProperty("gps") Map<String, CurveGp> gps) {
        this.fromFinal = fromFinal;
        this.gps = gps == null ? Map.of() : new TreeMap<>(gps);
    }

    @JsonProperty("from_final")
    PrefixConditioner fromFinal() {
        return fromFinal;
    }

    /** The curve processes by source; written only when there is one. */
    @JsonProperty("gps")
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public Map<String, CurveGp> gps() {
        return gps;
    }

    /**
     * Fits the shape on {@code runs} over {@code baseline}, its trees reading {@code configOnly}'s final
     * losses, and a curve process for each source with enough curves.
     */
    static CurveShape fit(List<Run> runs, Baseline baseline, long seed, ToDoubleFunction<Run> configOnly,
                          PosthocSettings.Curves settings) {
        Map<String, CurveGp> gps = new TreeMap<>();
        runs.stream().collect(Collectors.groupingBy(Run::source, TreeMap::new, Collectors.toList()))
                .forEach((source, ofSource) -> {
                    CurveGp gp = CurveGp.fit(ofSource, seed, settings);
                    if (gp != null) {
                        gps.put(source, gp);
                    }
                });
        return new CurveShape(PrefixConditioner.fit(runs, baseline, seed, 1, PrefixConditioner.Pairs.FROM_FINAL,
                configOnly, settings), gps);
    }

    /**
     * The loss of {@code run} at each of {@code steps} given its final loss {@code finalLoss} at the end
     * of its {@code schedule}: NaN before the earliest share of training it learnt from ({@link
     * PrefixConditioner#minCut()}), {@code finalLoss} from the schedule's last step on. The laws learnt the
     * drop back to earlier logged points, never to the final point itself, and at the end they predict a
     * small drop where there is none: that end drop is taken out in proportion to the share of training, so
     * that the curve runs continuously into the final loss.
     *
     * @param chinchilla the law of the run's source in the predictor's baseline
     */
    public double[] losses(Run run, ChinchillaLaw chinchilla, double finalLoss, LrSchedule schedule, double[] steps) {
        PrefixConditioner.Continuation back = fromFinal.continuation(run, chinchilla, finalLoss, schedule);
        double totalSteps = schedule.total();
        double earliest = fromFinal.minCut() * totalSteps;
        // every query in one walk of the trees: the end itself first, then the steps inside the laws' range
        double[] inside = Arrays.stream(steps).filter(s -> s < totalSteps && s >= earliest).toArray();
        double[] queries = new double[inside.length + 1];
        queries[0] = totalSteps;
        System.arraycopy(inside, 0, queries, 1, inside.length);
        double[] predicted = back.predictAll(totalSteps, finalLoss, queries);
        // the log drop the laws predict from the end to the end itself, which should be 0 (they never queried the
        // final point): taken out in proportion to the share of training, so the curve meets the final loss
        double endDrop = Math.log(predicted[0] / finalLoss);
        double[] out = new double[steps.length];
        for (int j = 0, q = 1; j < steps.length; j++) {
            out[j] = steps[j] < totalSteps && steps[j] >= earliest
                    ? predicted[q++] * Math.exp(-endDrop * steps[j] / totalSteps)
                    : steps[j] >= totalSteps ? finalLoss : Double.NaN;
        }
        return out;
    }

    /**
     * The loss of {@code run} at each of {@code steps} from its source's curve process given its final loss
     * {@code finalLoss}: NaN before the process's first share of training; null where the source has no
     * process or the process never saw the run's optimizer.
     */
    public double[] gpLosses(Run run, Scale scale, LrSchedule schedule, double finalLoss, double[] steps) {
        CurveGp gp = gps.get(run.source());
        if (gp == null || !gp.knows(run)) {
            return null;
        }
        double[] out = gp.logDrops(run, scale, schedule, steps);
        for (int j = 0; j < out.length; j++) {
            out[j] = finalLoss * Math.exp(out[j]);
        }
        return out;
    }

    /** This shape with the laws and processes of {@code added} for sources it does not know yet (fine-tuning). */
    public CurveShape withNewSources(CurveShape added) {
        Map<String, CurveGp> merged = new TreeMap<>(added.gps);
        merged.putAll(gps);
        return new CurveShape(fromFinal.withNewSources(added.fromFinal), merged);
    }

    /** Writes the shape to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.SHAPE, this);
    }

    /** The shape saved in {@code modelDir} (older files migrated), or null when it has none. */
    public static CurveShape loadIfPresent(Path modelDir) throws IOException {
        return ModelFiles.readIfPresent(modelDir, ModelFile.SHAPE, CurveShape.class);
    }
}
