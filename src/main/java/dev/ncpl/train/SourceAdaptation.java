package dev.ncpl.train;

import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.LossUnit;
import dev.ncpl.model.ModelFolder;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.Provenance;
import dev.ncpl.model.RequiredKeys;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.CorrectionWidening;
import dev.ncpl.residual.CurveProfile;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.InvalidRunException;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.text.LrSchedule;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.Hashing;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code train --from} for runs of sources the parent never saw, without training a network: the new model is the
 * parent's folder with {@link SourceCorrections} for those sources (fitted on every run given) and intervals of
 * their own, calibrated on the corrections' leave-one-out errors on the same runs (so a run at a size or budget
 * beyond them widens as any source's does). Takes seconds. Chosen over fine-tuning by the new-source protocol
 * (eval/new-source); runs of a source the parent knows are fine-tuned on as before.
 *
 * <p>A new source whose losses are on the scale of a known source measured over three sizes or more ({@link
 * Baseline#sisterOf}: the same metric, tokenizer and data wherever the known source gives them; a sister sweep, such
 * as a lab's mixture of experts beside its dense sweep) is read as that source before it is corrected: the known
 * source's law, residual models and processes then carry its learning-rate and batch response to the new one, which
 * ten runs cannot teach a correction (eval/new-source-sister).
 */
public final class SourceAdaptation {
    /** {@link #readAs} value: read each new source as its sister, where it has one. */
    public static final String SISTER = "sister";
    /** {@link #readAs} value: read every new source as never seen. */
    public static final String NONE = "none";

    private final Path parentDir;
    private final long seed;
    private final PrintStream log;
    private final String readAs;

    public SourceAdaptation(Path parentDir, long seed, PrintStream log) {
        this(parentDir, seed, log, SISTER);
    }

    /**
     * @param readAs how the parent reads the new sources' runs: {@link #SISTER} (each as its sister, where it has
     *     one), {@link #NONE} (as never seen), or the name of a source the parent knows (every new source as that)
     */
    public SourceAdaptation(Path parentDir, long seed, PrintStream log, String readAs) {
        this.parentDir = parentDir;
        this.seed = seed;
        this.log = log;
        this.readAs = readAs;
    }

    /**
     * Whether this adaptation serves {@code runs}: every one is of a source the parent in {@code parentDir} never
     * saw (nor corrected), and gives what a correction needs ({@link BlendedPredictor#checkCorrectable}: a run with
     * an optimizer the parent never read needs a fine-tuning that learns it; one without a key every training run
     * gave is corrected on runs that lack it alike).
     */
    public static boolean servesAll(Path parentDir, List<Run> runs) throws IOException {
        if (runs.isEmpty()) {
            return false;
        }
        try (BlendedPredictor parent = BlendedPredictor.load(parentDir)) {
            for (Run r : runs) {
                if (!isNewTo(parent, r)) {
                    return false;
                }
                try {
                    parent.checkCorrectable(r);
                } catch (InvalidRunException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Adapts the parent to the runs of {@code runFiles} and publishes the model at {@code out}. */
    public Path adapt(List<Path> runFiles, Path out) throws IOException {
        long start = System.nanoTime();
        List<Run> runs = RunReader.readAll(runFiles);
        Path target = ModelFolder.checkReplaceable(out);
        Path staging = ModelFolder.stagingOf(target);
        try (BlendedPredictor parent = BlendedPredictor.load(parentDir)) {
            if (runs.isEmpty() || !runs.stream().allMatch(r -> isNewTo(parent, r))) {
                throw new IllegalArgumentException("adapting without training needs runs of sources the parent never saw "
                        + "(nor corrected), each giving what the parent reads; fine-tune instead (--adaptation fine-tune)");
            }
            for (Run r : runs) {
                try {
                    parent.checkCorrectable(r);
                } catch (InvalidRunException e) {
                    throw RunReader.located(runFiles, e);
                }
            }
            ModelFolder.prepareStaging(staging, false);
            try {
                Map<String, List<Run>> bySource = new TreeMap<>();
                runs.forEach(r -> bySource.computeIfAbsent(r.source(), s -> new ArrayList<>()).add(r));
                Map<String, SourceCorrections.Correction> corrections = new TreeMap<>();
                SourceCorrections earlier = parent.corrections();
                if (earlier != null) {
                    corrections.putAll(earlier.sources());
                }
                List<IntervalFitter.Residuals> heldOut = new ArrayList<>();
                PredictionIntervals intervals = PredictionIntervals.loadIfPresent(parentDir);
                Map<String, Double> beyond = new TreeMap<>();
                Map<String, String> donors = new TreeMap<>();
                for (Map.Entry<String, List<Run>> e : bySource.entrySet()) {
                    List<Run> rs = e.getValue();
                    String donor = donor(parent.model().baseline(), rs);
                    if (donor != null) {
                        donors.put(e.getKey(), donor);
                    }
                    List<Prediction> predicted = parent.predictForCorrection(donor == null ? rs
                            : rs.stream().map(r -> r.withSource(donor)).toList());
                    double[] parentFinals = predicted.stream().mapToDouble(Prediction::finalLoss).toArray();
                    CurveProfile profile = CurveProfile.fit(rs, predicted.stream().map(Prediction::losses).toList(),
                            parentFinals);
                    SourceCorrections.Correction correction = SourceCorrections.fit(rs, parentFinals, seed)
                            .withProfile(profile).readingAs(donor);
                    corrections.put(e.getKey(), correction);
                    CorrectionWidening.step(rs, parentFinals, seed).ifPresent(step -> {
                        beyond.put(e.getKey(), step);
                        log.printf(Locale.ROOT, "%s: its largest size, predicted from the smaller, widens intervals "
                                + "beyond its runs by %.2f of their in-range width%n", e.getKey(), step);
                    });
                    heldOut.addAll(IntervalFitter.residuals(rs, scaled(rs, predicted,
                            SourceCorrections.leaveOneOut(rs, parentFinals, seed), correction)));
                    log.printf(Locale.ROOT, "%s: %d runs; the parent's predictions%s corrected by a Gaussian process on "
                            + "its log errors%s%n", e.getKey(), rs.size(),
                            donor == null ? "" : " (read as " + donor + "'s, whose losses are on the same scale)",
                            profile == null ? "" : ", its curves by their median profile");
                }
                copyParent(staging);
                new SourceCorrections(corrections).save(staging);
                if (intervals != null) {
                    double oneSizeGrowth = parent.model().manifest().posthocSettings().intervals().oneSizeGrowth();
                    Map<String, Double> growths = new TreeMap<>();
                    for (String s : bySource.keySet()) {
                        if (!beyond.containsKey(s)) {
                            // read as a known source, a source is predicted as that one is: beyond its runs it widens
                            // as the parent's own sources do beyond theirs
                            growths.put(s, donors.containsKey(s) ? intervals.growth() : oneSizeGrowth);
                            log.printf(Locale.ROOT, "%s: its runs measure no widening beyond their sizes (one size "
                                    + "given, or too few runs below the largest); intervals widen by %.2f per ln unit "
                                    + "beyond them%s%n", s, growths.get(s), donors.containsKey(s)
                                    ? " (the parent's own growth: they are read as " + donors.get(s) + "'s)" : "");
                        }
                    }
                    intervals(intervals, runs, heldOut, bySource.keySet(), beyond, growths)
                            .save(staging.resolve(PredictionIntervals.FILE));
                }
                ModelManifest manifest = adaptedManifest(parent.model().manifest(), runs, runFiles,
                        (System.nanoTime() - start) / 1e9);
                Json.writePretty(staging.resolve(NcplModel.MANIFEST), manifest);
                AtomicFiles.writeString(staging.resolve("README.md"),
                        ModelCard.render(out.getFileName().toString(), manifest));
                ModelFolder.publish(staging, target);
                return out;
            } catch (IOException | RuntimeException e) {
                ModelFolder.discardStaging(staging);
                throw e;
            }
        }
    }

    /**
     * The known source the runs {@code rs} of a new source are read as, or null (as never seen): by {@link #readAs},
     * where it is {@link #SISTER} the sister of the runs' {@link LossUnit}.
     */
    private String donor(Baseline laws, List<Run> rs) {
        if (readAs.equals(NONE)) {
            return null;
        }
        if (!readAs.equals(SISTER)) {
            if (!laws.knows(readAs)) {
                throw new IllegalArgumentException("--read-as " + readAs + ": the parent knows no source of that name "
                        + "(it knows " + String.join(", ", laws.sources().keySet()) + ")");
            }
            return readAs;
        }
        return laws.sisterOf(LossUnit.of(rs)).orElse(null);
    }

    /** Whether {@code run}'s source is one {@code parent} never saw nor corrected. */
    private static boolean isNewTo(BlendedPredictor parent, Run run) {
        SourceCorrections earlier = parent.corrections();
        return !parent.model().baseline().knows(run.source()) && (earlier == null || !earlier.corrects(run.source()));
    }

    /**
     * The parent's predictions of {@code runs} moved as {@code correction} moves them, with each run's log factor
     * from {@code logFactors}: final loss, spread and curve.
     */
    private static List<Prediction> scaled(List<Run> runs, List<Prediction> preds, double[] logFactors,
                                           SourceCorrections.Correction correction) {
        List<Prediction> out = new ArrayList<>(preds.size());
        for (int i = 0; i < preds.size(); i++) {
            Prediction p = preds.get(i);
            double f = Math.exp(logFactors[i]);
            double[] losses = p.losses().clone();
            correction.scaleCurve(losses, p.steps(), LrSchedule.of(runs.get(i)).total(), f);
            out.add(new Prediction(p.id(), p.finalLoss() * f, p.steps(), losses, p.spread() * f));
        }
        return out;
    }

    /**
     * The parent's intervals with a calibration of its own for each adapted source (from the leave-one-out
     * errors, however few: a source's own errors say more of it than the pooled ones), widening beyond the source's
     * runs by the step they measured ({@code beyond}, {@link CorrectionWidening}) or, where they measured none,
     * by {@code growths} per ln unit; no longer widened as sources never seen.
     */
    private static PredictionIntervals intervals(PredictionIntervals parent, List<Run> runs,
                                                 List<IntervalFitter.Residuals> heldOut, java.util.Set<String> adapted,
                                                 Map<String, Double> beyond, Map<String, Double> growths) {
        PredictionIntervals own = IntervalFitter.fit(runs, heldOut, parent.growth(), 1);
        Map<String, PredictionIntervals.SourceCalibration> sources = new TreeMap<>(parent.sources());
        for (String s : adapted) {
            PredictionIntervals.SourceCalibration c = own.sources().get(s);
            c = c != null ? c : own.sources().get(PredictionIntervals.POOLED);
            sources.put(s, beyond.containsKey(s) ? c.withWidening(beyond.get(s), 0) : c.withWidening(0, growths.get(s)));
        }
        PredictionIntervals.UnseenSources unseen = parent.unseenSources();
        if (unseen != null) {
            TreeSet<String> known = new TreeSet<>(unseen.known());
            known.addAll(adapted);
            unseen = unseen.knowing(known);
        }
        return new PredictionIntervals(sources, parent.growth(), unseen);
    }

    /** Every regular file of the parent's folder (its network, laws, curve and residual models) into {@code staging}. */
    private void copyParent(Path staging) throws IOException {
        try (var files = Files.list(parentDir)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(f, staging.resolve(f.getFileName().toString()));
                }
            }
        }
    }

    /**
     * What the adapted model asks of configs: of each adapted source, the keys every one of its runs gave (its
     * correction was fitted on runs that gave them); of a source it has not seen, the parent's ask, since no network
     * learnt anything from the runs.
     */
    static RequiredKeys correctedRequiredKeys(List<Run> runs, RequiredKeys parent) {
        return new RequiredKeys(RequiredKeys.of(runs, parent).sources(), parent.otherSources());
    }

    /** The parent's manifest, asking of the adapted sources what their runs gave, with this adaptation's provenance. */
    private ModelManifest adaptedManifest(ModelManifest parent, List<Run> runs, List<Path> runFiles, double seconds)
            throws IOException {
        Map<String, String> data = new LinkedHashMap<>();
        for (Path f : runFiles) {
            data.put(f.getFileName().toString(), Hashing.sha256(f));
        }
        var from = ParentModel.load(parentDir).provenance();
        from.put("adaptation", "source corrections");
        var recipe = Json.MAPPER.createObjectNode();
        recipe.put("name", "source-corrections");
        recipe.put("description", "The parent adapted to sources it never saw without training: per source, a "
                + "Gaussian process on the log errors of the parent's predictions of its runs (every run given); "
                + "intervals calibrated on the process's leave-one-out errors.");
        recipe.put("seed", seed);
        recipe.put("read_as", readAs);
        Provenance p = new Provenance(data, "all runs", null, runs.size(), 0, recipe, seed, Math.round(seconds), 0, 0,
                null, "cpu", null, Instant.now().toString(), Map.of(), from, null);
        return new ModelManifest(parent.format(), parent.network(), parent.scaler(), parent.targets(), parent.members(),
                parent.knownOptimizers(), p, parent.residualScale(), parent.derivedExtras(),
                correctedRequiredKeys(runs, parent.required()), parent.posthoc());
    }
}
