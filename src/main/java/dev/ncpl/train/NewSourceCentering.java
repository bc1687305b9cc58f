package dev.ncpl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.ncpl.math.Stats;
import dev.ncpl.model.BatchBuilder;
import dev.ncpl.model.FeatureExtractor;
import dev.ncpl.model.NcplNetwork;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Starts a copied network median-unbiased on the runs of sources its parent never saw. Such a source
 * gets a Chinchilla law of its own, fitted on its runs, and the parent's residuals over that law have no
 * reason to be centred: measured on the Multi-Power Law curves they were 1.3 to 2.3 standard deviations
 * off, more than a short fine-tuning on a few runs undoes. The two output layers' biases move by the
 * median gap between the runs' targets and the copy's outputs, so the copy keeps what it says about how
 * configs differ and takes its level from the new runs (as {@link ParentModel#relevel} does for known
 * sources through their laws).
 */
final class NewSourceCentering {
    /** Curve points queried per run (evenly spaced over its logged points). */
    private static final int POINTS = 16;
    private static final int BATCH = 256;

    private NewSourceCentering() {}

    /**
     * Moves {@code net}'s final and curve output biases so that the median gap between {@code examples}'
     * standardised targets and the network's outputs is zero; does nothing when {@code examples} is empty.
     *
     * @return the two moves (final, curve), in standardised units
     */
    static double[] apply(NcplNetwork net, NDManager manager, List<TrainingExample> examples, PrintStream log) {
        if (examples.isEmpty()) {
            return new double[2];
        }
        List<Double> finalGaps = new ArrayList<>();
        List<Double> curveGaps = new ArrayList<>();
        for (int start = 0; start < examples.size(); start += BATCH) {
            List<TrainingExample> batch = examples.subList(start, Math.min(examples.size(), start + BATCH));
            float[][][] queries = new float[batch.size()][POINTS][];
            int[][] picks = new int[batch.size()][POINTS];
            for (int i = 0; i < batch.size(); i++) {
                int n = batch.get(i).curveTargets().length;
                for (int j = 0; j < POINTS; j++) {
                    picks[i][j] = n == 0 ? -1 : (int) ((long) j * (n - 1) / (POINTS - 1));
                    queries[i][j] = n == 0 ? new float[FeatureExtractor.QUERY_FEATURES]
                            : batch.get(i).curveQueries()[picks[i][j]];
                }
            }
            try (NDManager bm = manager.newSubManager()) {
                NDList out = net.forward(new ParameterStore(bm, false), BatchBuilder.inputs(bm,
                        batch.stream().map(e -> e.features().encoded()).toList(), queries), false);
                float[] z = out.get(0).toFloatArray();
                float[] c = out.get(1).toFloatArray();
                for (int i = 0; i < batch.size(); i++) {
                    TrainingExample e = batch.get(i);
                    finalGaps.add((double) e.finalTarget() - z[i]);
                    for (int j = 0; j < POINTS; j++) {
                        if (picks[i][j] >= 0) {
                            curveGaps.add((double) e.curveTargets()[picks[i][j]] - c[i * POINTS + j]);
                        }
                    }
                }
            }
        }
        // a source whose runs log no curve points gives no curve gap: its curve output stays
        double[] moves = {median(finalGaps), curveGaps.isEmpty() ? 0 : median(curveGaps)};
        shiftBias(net, "finalOut_bias", moves[0]);
        shiftBias(net, "curveOut_bias", moves[1]);
        log.printf(Locale.ROOT, "centred the copy on %d runs of new sources: final-loss output %+.3f, curve output "
                + "%+.3f (standardised)%n", examples.size(), moves[0], moves[1]);
        return moves;
    }

    private static void shiftBias(NcplNetwork net, String suffix, double by) {
        for (var pair : net.getParameters()) {
            if (pair.getKey().endsWith(suffix)) {
                NDArray b = pair.getValue().getArray();
                float[] v = b.toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) by;
                }
                b.set(v);
            }
        }
    }

    private static double median(List<Double> values) {
        return Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
