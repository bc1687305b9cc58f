package dev.ncpl.residual;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.learn.GaussianProcess;
import dev.ncpl.math.Stats;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import dev.ncpl.text.LrSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a model adapted to new sources without training corrects its parent: per source the parent never saw, a
 * {@link GaussianProcess} on log(true final loss / the parent's prediction) of that source's runs, read at the
 * run's scale (log N, log D/N), schedule (warmup share, final relative lr), the hyperparameters every one of the
 * source's runs gave ({@link SourceGp#inputKeys}), the parent's own log prediction, and where the runs differ in
 * them the data set and metric as levels ({@link #levels}). A prediction of the source
 * is the parent's, its final loss and curve times exp(the process's mean). The process's constant mean is the
 * source's level; its inputs let it bend the parent's trend in size and learning rate where the runs say so.
 *
 * <p>Why: the parent's errors on runs it never saw are honest evidence of what it gets wrong on the source,
 * where a network fine-tuned on a few runs learns them by heart; on the new-source protocol (eval/new-source)
 * this beat fine-tuning and the law fitted on the same runs from 10 runs on. A source with fewer than {@link
 * #MIN_RUNS} runs is moved by the median of its log errors alone. Saved as {@code source-corrections.json}.
 *
 * @param sources the correction of each source, by name
 */
public record SourceCorrections(@JsonProperty("sources") Map<String, Correction> sources) {
    /** Runs of a source below which no process is fitted, only a shift. */
    public static final int MIN_RUNS = 3;

    public SourceCorrections {
        sources = Map.copyOf(new TreeMap<>(sources));
    }

    /**
     * One source's correction.
     *
     * @param keys the config fields read after the scale and schedule ({@link SourceGp#inputs})
     * @param runs the runs it was fitted on
     * @param shift the log factor of a source corrected by its median alone (no process)
     * @param gp the process, or null below {@link #MIN_RUNS} runs
     * @param profile how the source's curves bend from the parent's beyond the final factor, or null where its runs
     *     gave too few curves (then the whole curve moves by the final factor)
     * @param readsAs the known source whose runs the parent reads this source's as before correcting them (its
     *     law, network reading, residual models and processes), or null: the parent reads them as a source never
     *     seen
     * @param levels the words read as one-hot inputs after the keys ({@link #LEVEL_FIELDS} that took two values or
     *     more among the runs, each with its values in order); empty in corrections saved before they were read
     */
    public record Correction(@JsonProperty("keys") List<String> keys, @JsonProperty("runs") int runs,
                             @JsonProperty("shift") double shift, @JsonProperty("gp") GaussianProcess gp,
                             @JsonProperty("curve_profile") CurveProfile profile,
                             @JsonProperty("reads_as") String readsAs,
                             @JsonProperty("levels") Map<String, List<String>> levels) {
        public Correction {
            keys = List.copyOf(keys);
            levels = levels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(levels));
        }

        /** This correction with the curve profile {@code p}. */
        public Correction withProfile(CurveProfile p) {
            return new Correction(keys, runs, shift, gp, p, readsAs, levels);
        }

        /** This correction applied to the parent's reading of the runs as {@code source}'s (null: as never seen). */
        public Correction readingAs(String source) {
            return new Correction(keys, runs, shift, gp, profile, source, levels);
        }

        /**
         * Moves the parent's curve {@code losses} (at {@code steps} of a schedule of {@code total} steps) as this
         * correction moves a prediction: every point times {@code factor} (the final loss's), and times exp(the
         * profile's offset at its fraction of training) where there is a profile. One place for both the predictions
         * and the leave-one-out errors their intervals are calibrated on.
         */
        public void scaleCurve(double[] losses, double[] steps, double total, double factor) {
            for (int j = 0; j < losses.length; j++) {
                losses[j] *= profile == null ? factor
                        : factor * Math.exp(profile.offset(Math.min(1.0, steps[j] / total)));
            }
        }

        /** The log factor of {@code run}, whose parent's final loss is {@code parentFinal}. */
        public double logFactor(Run run, double parentFinal) {
            return gp == null ? shift : gp.predict(inputs(run, keys, levels, parentFinal));
        }
    }

    /**
     * Fits the correction of one source's {@code runs}, whose parent's final losses are {@code parentFinals};
     * deterministic in {@code seed}.
     */
    public static Correction fit(List<Run> runs, double[] parentFinals, long seed) {
        if (runs.isEmpty() || runs.size() != parentFinals.length) {
            throw new IllegalArgumentException("a correction needs runs and as many parent predictions");
        }
        double[] y = logErrors(runs, parentFinals);
        if (runs.size() < MIN_RUNS) {
            return new Correction(List.of(), runs.size(), Stats.median(y), null, null, null, Map.of());
        }
        List<String> keys = SourceGp.inputKeys(runs);
        Map<String, List<String>> levels = levels(runs);
        List<double[]> xs = new ArrayList<>();
        for (int i = 0; i < y.length; i++) {
            xs.add(inputs(runs.get(i), keys, levels, parentFinals[i]));
        }
        return new Correction(keys, runs.size(), 0, GaussianProcess.fit(xs, y, seed), null, null, levels);
    }

    /**
     * Each run's log factor from the correction fitted on the others (leave-one-out): what a correction fitted on
     * these runs gets wrong on a run it never saw, for calibrating its intervals.
     */
    public static double[] leaveOneOut(List<Run> runs, double[] parentFinals, long seed) {
        double[] out = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            List<Run> rest = new ArrayList<>(runs);
            rest.remove(i);
            double[] restFinals = new double[runs.size() - 1];
            for (int j = 0, m = 0; j < runs.size(); j++) {
                if (j != i) {
                    restFinals[m++] = parentFinals[j];
                }
            }
            out[i] = rest.isEmpty() ? 0 : fit(rest, restFinals, seed).logFactor(runs.get(i), parentFinals[i]);
        }
        return out;
    }

    private static double[] logErrors(List<Run> runs, double[] parentFinals) {
        double[] y = new double[runs.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.log(runs.get(i).curve().finalLoss() / parentFinals[i]);
            if (!Double.isFinite(y[i])) {
                throw new IllegalArgumentException(runs.get(i).id() + ": final loss " + runs.get(i).curve().finalLoss()
                        + " against the parent's " + parentFinals[i] + " gives no finite log error");
            }
        }
        return y;
    }

    private static double[] inputs(Run run, List<String> keys, Map<String, List<String>> levels, double parentFinal) {
        double[] own = SourceGp.inputs(run, Scale.of(run), LrSchedule.of(run), keys, List.of(),
                new double[] {Math.log(parentFinal)});
        int width = levels.values().stream().mapToInt(List::size).sum();
        if (width == 0) {
            return own;
        }
        double[] x = java.util.Arrays.copyOf(own, own.length + width);
        int k = own.length;
        for (Map.Entry<String, List<String>> e : levels.entrySet()) {
            int at = e.getValue().indexOf(level(run, e.getKey()));
            if (at >= 0) {
                x[k + at] = 1;
            }
            k += e.getValue().size();
        }
        return x;
    }

    /**
     * The words a correction reads as levels: the metric a run logs and the data it trained on. Where a source's runs
     * differ in them (datablations' C4 and OSCAR runs, each scored on its own validation set; open_lm's three data
     * sets) the parent, which read the source as one, is off by a different amount for each.
     */
    public static final List<String> LEVEL_FIELDS = List.of("metric", "data.dataset");

    /** Runs each value of a level needs before a correction reads it: fewer cannot tell its offset from noise. */
    public static final int MIN_RUNS_PER_LEVEL = 3;

    /**
     * Each of {@link #LEVEL_FIELDS} that every one of {@code runs} gives, in two values or more, each given by
     * {@link #MIN_RUNS_PER_LEVEL} runs or more.
     */
    static Map<String, List<String>> levels(List<Run> runs) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String field : LEVEL_FIELDS) {
            Map<String, Integer> counts = new TreeMap<>();
            boolean every = true;
            for (Run r : runs) {
                String v = level(r, field);
                every &= v != null;
                if (v != null) {
                    counts.merge(v, 1, Integer::sum);
                }
            }
            if (every && counts.size() >= 2 && counts.values().stream().allMatch(c -> c >= MIN_RUNS_PER_LEVEL)) {
                out.put(field, List.copyOf(counts.keySet()));
            }
        }
        return out;
    }

    private static String level(Run run, String field) {
        String v = field.equals("metric") ? run.metric() : run.text(field).orElse(null);
        return v == null || v.isBlank() ? null : v;
    }

    /** Whether runs of {@code source} are corrected. */
    public boolean corrects(String source) {
        return source != null && sources.containsKey(source);
    }

    /**
     * {@code run} as the parent reads it before correcting: under the known source its source's correction reads it
     * as ({@link Correction#readsAs}), or as it is.
     */
    public Run asRead(Run run) {
        Correction c = of(run);
        return c == null || c.readsAs() == null ? run : run.withSource(c.readsAs());
    }

    /** The correction of {@code run}'s source, or null where it is not corrected. */
    public Correction of(Run run) {
        return run.source() == null ? null : sources.get(run.source());
    }

    /** The log factor of {@code run} (0 for a source not corrected), its parent's final loss {@code parentFinal}. */
    public double logFactor(Run run, double parentFinal) {
        Correction c = of(run);
        return c == null ? 0 : c.logFactor(run, parentFinal);
    }

    public void save(Path dir) throws IOException {
        ModelFiles.write(dir, ModelFile.CORRECTIONS, this);
    }

    /** The corrections saved in model folder {@code dir}, or null where it has none. */
    public static SourceCorrections loadIfPresent(Path dir) throws IOException {
        return ModelFiles.readIfPresent(dir, ModelFile.CORRECTIONS, SourceCorrections.class);
    }
}
