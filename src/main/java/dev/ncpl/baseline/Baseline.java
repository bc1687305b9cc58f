package dev.ncpl.baseline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.bundle.ModelFiles;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.Scale;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Chinchilla baseline of a set of sources: one fitted law per source, plus a pooled law over all
 * sources that serves a source the baseline has never seen (the {@link SharedLawFitter shared law}: size
 * and data terms fitted on all sources together, E their mean level). Saved as JSON and reused by the
 * predictor, the evaluation and the tuner.
 *
 * @param sources the per-source fits, by source name
 * @param pooled the shared fit over all sources (a source's own fit when there is one)
 * @param unresolved ids of runs whose N or D could not be determined (left out of the fit)
 * @param sparsity the {@link SparsityLaw} of each mixture-of-experts source that has one, by source (empty in
 *     baselines saved before it was kept)
 * @param lossUnits what each source's losses are measured in ({@link LossUnit}), by source (empty in baselines saved
 *     before they were kept): what tells a new source whose losses are on a known source's scale ({@link #sisterOf})
 */
public record Baseline(Map<String, SourceFit> sources, SourceFit pooled, List<String> unresolved,
                       Map<String, SparsityLaw> sparsity,
                       @com.fasterxml.jackson.annotation.JsonProperty("loss_units") Map<String, LossUnit> lossUnits) {
    /** Key of the pooled fit. */
    public static final String POOLED = "*";
    /** Model sizes a source's runs need to identify its own size exponent. */
    private static final int MIN_OWN_SIZES = 3;

    @JsonCreator
    public Baseline {
        sparsity = sparsity == null ? Map.of() : Map.copyOf(sparsity);
        lossUnits = lossUnits == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(lossUnits));
    }

    /** A baseline without sparsity laws nor loss units. */
    public Baseline(Map<String, SourceFit> sources, SourceFit pooled, List<String> unresolved) {
        this(sources, pooled, unresolved, Map.of(), Map.of());
    }

    /**
     * One fitted law and how it was obtained.
     *
     * @param runs number of runs fitted
     * @param distinctParams distinct model sizes among them
     * @param distinctTokens distinct token budgets among them
     * @param notes what could not be identified and was fixed to the prior
     */
    public record SourceFit(ChinchillaLaw law, int runs, int distinctParams, int distinctTokens, List<String> notes) {
        static SourceFit of(ChinchillaFitter.Fit f) {
            return new SourceFit(f.law(), f.points(), f.distinctParams(), f.distinctTokens(), f.notes());
        }
    }

    /**
     * Fits one law per source to the final losses of {@code runs}, and the pooled (shared) law. A source whose
     * runs hold fewer than three model sizes cannot identify its size exponent (nor, with one size, A): those
     * are taken from the best-identified source that logs the same metric ({@link #sizeDonor}), which measured
     * how this loss falls with size, and from Epoch AI's refit of Chinchilla where no such source is among
     * {@code runs}: a source whose runs span many sizes has measured how this metric falls with size, which a law
     * fitted on other data has not.
     */
    public static Baseline fit(Collection<Run> runs) {
        List<String> unresolved = new ArrayList<>();
        Map<String, List<ChinchillaFitter.Point>> bySource = pointsBySource(runs, unresolved);
        Baseline plain = fit(bySource, unresolved, new ChinchillaFitter());
        Map<String, String> metrics = metricsBySource(runs);
        Map<String, SourceFit> fits = new TreeMap<>(plain.sources());
        plain.sources().forEach((src, own) -> {
            if (own.distinctParams() >= MIN_OWN_SIZES) {
                return;
            }
            sizeDonor(src, plain.sources(), metrics).ifPresent(donor -> {
                SourceFit d = plain.sources().get(donor);
                String origin = String.format(java.util.Locale.ROOT,
                        "the law of %s, which logs the same metric, fitted on %d sizes", donor, d.distinctParams());
                fits.put(src, SourceFit.of(new ChinchillaFitter(d.law(), origin).fit(bySource.get(src))));
            });
        });
        return new Baseline(fits, plain.pooled(), plain.unresolved()).withSparsityRefitted(runs).withLossUnits(runs);
    }

    /**
     * The source that lends {@code source} its size exponent: among the others that log the same metric
     * and whose runs identified their own (three sizes or more), the one with the most sizes, then runs.
     */
    static java.util.Optional<String> sizeDonor(String source, Map<String, SourceFit> fits, Map<String, String> metrics) {
        String metric = metrics.getOrDefault(source, "");
        return bestMeasured(fits, other -> !other.equals(source) && !metric.isEmpty()
                && metric.equals(metrics.get(other)));
    }

    /**
     * Among the sources of {@code fits} that {@code eligible} accepts and whose runs identified their own size
     * exponent ({@link #MIN_OWN_SIZES} sizes or more), the one with the most sizes, then runs (then the first name).
     */
    private static java.util.Optional<String> bestMeasured(Map<String, SourceFit> fits,
                                                          java.util.function.Predicate<String> eligible) {
        return fits.entrySet().stream()
                .filter(e -> e.getValue().distinctParams() >= MIN_OWN_SIZES && eligible.test(e.getKey()))
                .max(java.util.Comparator.<Map.Entry<String, SourceFit>>comparingInt(e -> e.getValue().distinctParams())
                        .thenComparingInt(e -> e.getValue().runs()).thenComparing(Map.Entry::getKey,
                                java.util.Comparator.reverseOrder()))
                .map(Map.Entry::getKey);
    }

    /** Each source's metric: the one most of its runs log (ties: the first in name order; "" where none is named). */
    private static Map<String, String> metricsBySource(Collection<Run> runs) {
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (Run r : runs) {
            counts.computeIfAbsent(r.source(), k -> new TreeMap<>()).merge(r.metric() == null ? "" : r.metric(), 1, Integer::sum);
        }
        Map<String, String> out = new TreeMap<>();
        counts.forEach((src, c) -> out.put(src, c.entrySet().stream()
                .max(Map.Entry.<String, Integer>comparingByValue()
                        .thenComparing(Map.Entry::getKey, java.util.Comparator.reverseOrder()))
                .map(Map.Entry::getKey).orElseThrow()));
        return out;
    }

    /**
     * Fits one law per source, with {@code fitter}'s prior (and no other source's law) supplying what a
     * source's runs cannot identify (the size exponent when they hold fewer than three sizes, the token
     * exponent when they hold fewer than three budgets).
     */
    public static Baseline fit(Collection<Run> runs, ChinchillaFitter fitter) {
        List<String> unresolved = new ArrayList<>();
        return fit(pointsBySource(runs, unresolved), unresolved, fitter);
    }

    /** {@link #fit(Collection, ChinchillaFitter)} of runs already read as points by source. */
    private static Baseline fit(Map<String, List<ChinchillaFitter.Point>> bySource, List<String> unresolved,
                                ChinchillaFitter fitter) {
        if (bySource.isEmpty()) {
            throw new IllegalArgumentException("no run with a known model size and token budget to fit");
        }
        Map<String, SourceFit> fits = new TreeMap<>();
        bySource.forEach((src, pts) -> fits.put(src, SourceFit.of(fitter.fit(pts))));
        SourceFit pooled = fits.size() == 1 ? fits.values().iterator().next() : sharedFit(bySource, fitter);
        return new Baseline(fits, pooled, List.copyOf(unresolved));
    }

    /** This baseline with its pooled law refitted as the shared law over {@code runs} (its per-source laws kept). */
    public Baseline withPooledRefitted(Collection<Run> runs) {
        Map<String, List<ChinchillaFitter.Point>> bySource = pointsBySource(runs, new ArrayList<>());
        if (bySource.isEmpty()) {
            throw new IllegalArgumentException("no run with a known model size and token budget to fit");
        }
        return new Baseline(sources, sharedFit(bySource, new ChinchillaFitter()), unresolved, sparsity, lossUnits);
    }

    /** The shared law of the sources (a single source's ordinary fit). */
    private static SourceFit sharedFit(Map<String, List<ChinchillaFitter.Point>> bySource, ChinchillaFitter fitter) {
        return SourceFit.of(new SharedLawFitter(fitter).fit(bySource).fit());
    }

    /**
     * The (N, D, final loss) point of each run whose N and D are known, by source; the ids of the others are
     * added to {@code unresolved}.
     */
    static Map<String, List<ChinchillaFitter.Point>> pointsBySource(Collection<Run> runs, List<String> unresolved) {
        Map<String, List<ChinchillaFitter.Point>> bySource = new TreeMap<>();
        for (Run r : runs) {
            Scale s;
            try {
                s = Scale.of(r);
            } catch (IllegalArgumentException e) {
                unresolved.add(r.id());
                continue;
            }
            bySource.computeIfAbsent(r.source(), k -> new ArrayList<>())
                    .add(new ChinchillaFitter.Point(s.params(), s.tokens(), r.curve().finalLoss()));
        }
        return bySource;
    }

    /**
     * This baseline with the sources of {@code added} (fitted on new runs) that it does not know yet; a
     * source it knows keeps its law, since a fine-tuned network's residuals for that source are taken over
     * it (and a few new runs, often of one size, identify a law far worse than the runs it was fitted on).
     * The pooled law stays this one's. Used when fine-tuning.
     */
    public Baseline withNewSources(Baseline added) {
        Map<String, SourceFit> merged = new TreeMap<>(sources);
        added.sources().forEach(merged::putIfAbsent);
        List<String> unresolvedAll = new ArrayList<>(unresolved);
        unresolvedAll.addAll(added.unresolved());
        Map<String, LossUnit> unitsAll = new TreeMap<>(lossUnits);
        added.lossUnits().forEach(unitsAll::putIfAbsent);
        return new Baseline(merged, pooled, List.copyOf(unresolvedAll), sparsity, unitsAll);
    }

    /**
     * This baseline with the constant E of {@code source}'s law moved by {@code shift} (the rest of the law
     * kept), and a note saying why. Used when fine-tuning on new runs of a known source.
     */
    public Baseline withShift(String source, double shift, String why) {
        SourceFit f = sources.get(source);
        if (f == null) {
            throw new IllegalArgumentException("no law for source '" + source + "' to shift");
        }
        ChinchillaLaw l = f.law();
        List<String> notes = new ArrayList<>(f.notes());
        notes.add(why);
        Map<String, SourceFit> merged = new TreeMap<>(sources);
        merged.put(source, new SourceFit(new ChinchillaLaw(l.e() + shift, l.a(), l.b(), l.alpha(), l.beta()),
                f.runs(), f.distinctParams(), f.distinctTokens(), List.copyOf(notes)));
        return new Baseline(merged, pooled, unresolved, sparsity, lossUnits);
    }

    /** The law of {@code source}, or the pooled law for a source not fitted. */
    public ChinchillaLaw law(String source) {
        SourceFit f = sources.get(source);
        return f != null ? f.law() : pooled.law();
    }

    /**
     * What {@code run}'s final loss moves by under its source's {@link SparsityLaw}: 0 without one, and inside the
     * densities of the source's training runs.
     */
    public double sparsityShift(Run run) {
        SparsityLaw s = sparsityOf(run);
        return s == null ? 0 : s.shift(run, law(run.source()), law(s.dense()));
    }

    /**
     * The size at which {@code run}'s source's residual models are read: {@code scale} itself, or, for a mixture its
     * source's {@link SparsityLaw} moves, the same budget at the nearest trained density ({@link
     * SparsityLaw#nearestTrainedActive}).
     */
    public Scale sparsityResidualScale(Run run, Scale scale) {
        SparsityLaw s = sparsityOf(run);
        if (s == null) {
            return scale;
        }
        double nearest = s.nearestTrainedActive(run);
        return Double.isNaN(nearest) ? scale : new Scale(nearest, scale.tokens());
    }

    /** The {@link SparsityLaw} of {@code run}'s source, where it has one whose dense source this baseline fits; else null. */
    private SparsityLaw sparsityOf(Run run) {
        SparsityLaw s = run.source() == null ? null : sparsity.get(run.source());
        return s == null || !sources.containsKey(s.dense()) ? null : s;
    }

    /**
     * This baseline with each mixture-of-experts source's {@link SparsityLaw} fitted (again) on {@code runs} under
     * this baseline's laws (the rest kept). It moves no prediction inside the densities of those runs.
     */
    public Baseline withSparsityRefitted(Collection<Run> runs) {
        return new Baseline(sources, pooled, unresolved, SparsityLaw.fitAll(runs, sources, metricsBySource(runs)),
                lossUnits);
    }

    /** This baseline with the {@link LossUnit} of each source it fits, as {@code runs} give them (the rest kept). */
    public Baseline withLossUnits(Collection<Run> runs) {
        Map<String, List<Run>> bySource = new TreeMap<>();
        runs.forEach(r -> bySource.computeIfAbsent(r.source(), k -> new ArrayList<>()).add(r));
        Map<String, LossUnit> units = new TreeMap<>();
        bySource.forEach((src, rs) -> {
            LossUnit u = LossUnit.of(rs);
            if (sources.containsKey(src) && u != null) {
                units.put(src, u);
            }
        });
        return new Baseline(sources, pooled, unresolved, sparsity, units);
    }

    /**
     * The known source whose law, residual models and processes a new source whose losses are in {@code unit} is
     * best read with: among the sources on whose scale its losses can be read ({@link LossUnit#readableAs}: the same
     * metric, and the same tokenizer and data wherever the known source gives them) and whose own runs identified
     * their law's size exponent ({@link #bestMeasured}), the one with the most sizes, then runs; empty where none is,
     * or {@code unit} is null. A sweep
     * measured as such a source was (a lab's mixture of experts beside its dense sweep) shares its response to
     * learning rate and batch, which a few of its own runs cannot teach; a source of one or two sizes borrows its own
     * size exponent and is no sister, and losses across tokenizers are not on one scale (eval/new-source-sister).
     */
    public java.util.Optional<String> sisterOf(LossUnit unit) {
        if (unit == null) {
            return java.util.Optional.empty();
        }
        return bestMeasured(sources, known -> unit.readableAs(lossUnits.get(known)));
    }

    /** The baseline's prediction of the final loss of {@code run}. */
    public double predict(Run run) {
        Scale s = Scale.of(run);
        return law(run.source()).predict(s.params(), s.tokens());
    }

    /**
     * The source whose runs held the most model sizes (then the most runs): the one whose exponents the
     * data identified best, and so the best prior for a new source whose few runs cannot.
     */
    @JsonIgnore
    public String bestIdentifiedSource() {
        return sources.entrySet().stream()
                .max(java.util.Comparator.<Map.Entry<String, SourceFit>>comparingInt(e -> e.getValue().distinctParams())
                        .thenComparingInt(e -> e.getValue().runs()))
                .map(Map.Entry::getKey).orElse(POOLED);
    }

    @JsonIgnore
    public boolean knows(String source) {
        return sources.containsKey(source);
    }

    /** Writes the laws to {@code file} atomically, in the current format. */
    public void save(Path file) throws IOException {
        ModelFiles.writeFile(file, ModelFile.BASELINE, this);
    }

    /** Reads laws saved by {@link #save}; errors name the file. */
    public static Baseline load(Path file) throws IOException {
        return ModelFiles.readFile(file, ModelFile.BASELINE, Baseline.class);
    }
}
