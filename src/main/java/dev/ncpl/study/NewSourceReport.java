package dev.ncpl.study;

import dev.ncpl.eval.Plots;
import dev.ncpl.math.Stats;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The new-source study's report: {@code report.md} (the headline ratio to the law fitted on the same runs, a table
 * per variant of the medians over draws, every draw), {@code figures.json} (the same numbers and every draw) and
 * {@code mae-by-k.png} (MAE against k, per source, ncpl beside the law), written atomically.
 */
public final class NewSourceReport {
    /** The targets the issue set: the median ratio at k = 50 and 10, and ρ within a source at k = 0. */
    static final double TARGET_RATIO_50 = 0.5;
    static final double TARGET_RATIO_10 = 0.7;
    static final double TARGET_SPEARMAN_0 = 0.9;

    private final NewSourceStudy.Settings settings;
    private final List<String> runFiles;
    private final List<NewSourceStudy.Result> results = new ArrayList<>();

    NewSourceReport(NewSourceStudy.Settings settings, List<String> runFiles) {
        this.settings = settings;
        this.runFiles = List.copyOf(runFiles);
    }

    void add(NewSourceStudy.Result r) {
        results.add(r);
    }

    public List<NewSourceStudy.Result> results() {
        return List.copyOf(results);
    }

    /**
     * Medians over the draws of one source, variant and k.
     *
     * @param coverage share of final losses in ncpl's 80% intervals ({@code width}: their mean width)
     * @param candidateCoverage the same for the fine-tuned network beside ncpl ({@link NewSourceStudy#FINE_TUNE}; the
     *     name is the one figures.json has carried since the study first scored an alternative there)
     * @param ratio ncpl's MAE over the law's, the median over draws
     */
    public record Summary(String source, String variant, int k, int draws, int scored, Map<String, Double> mae,
                          Map<String, Double> spearman, Map<String, Double> curveMae, double coverage, double width,
                          double candidateCoverage, double candidateWidth, double ratio) {}

    /** One summary per source, variant and k, in that order. */
    public List<Summary> summaries() {
        Map<String, List<NewSourceStudy.Result>> groups = new TreeMap<>();
        for (NewSourceStudy.Result r : results) {
            groups.computeIfAbsent(String.format(Locale.ROOT, "%s\u0000%s\u0000%06d", r.variant(), r.source(), r.k()),
                    g -> new ArrayList<>()).add(r);
        }
        List<Summary> out = new ArrayList<>();
        for (List<NewSourceStudy.Result> g : groups.values()) {
            NewSourceStudy.Result first = g.get(0);
            Map<String, Double> mae = new LinkedHashMap<>();
            Map<String, Double> rho = new LinkedHashMap<>();
            Map<String, Double> curve = new LinkedHashMap<>();
            for (String p : List.of(NewSourceStudy.NCPL, NewSourceStudy.LAW, NewSourceStudy.SCRATCH, NewSourceStudy.FINE_TUNE)) {
                double[] m = values(g, p, NewSourceStudy.Score::mae);
                if (m.length > 0) {
                    mae.put(p, Stats.median(m));
                    rho.put(p, Stats.median(values(g, p, NewSourceStudy.Score::spearman)));
                    curve.put(p, Stats.median(values(g, p, NewSourceStudy.Score::curveMae)));
                }
            }
            double[] ratios = g.stream().mapToDouble(r -> of(r, NewSourceStudy.NCPL).mae() / of(r, NewSourceStudy.LAW).mae())
                    .filter(Double::isFinite).toArray();
            out.add(new Summary(first.source(), first.variant(), first.k(), g.size(), first.scored(), mae, rho, curve,
                    median(values(g, NewSourceStudy.NCPL, NewSourceStudy.Score::coverage)),
                    median(values(g, NewSourceStudy.NCPL, NewSourceStudy.Score::width)),
                    median(values(g, NewSourceStudy.FINE_TUNE, NewSourceStudy.Score::coverage)),
                    median(values(g, NewSourceStudy.FINE_TUNE, NewSourceStudy.Score::width)),
                    ratios.length == 0 ? Double.NaN : Stats.median(ratios)));
        }
        return out;
    }

    /** The median over sources of the per-source median ratio MAE(ncpl)/MAE(law) at {@code k}, for {@code variant}. */
    public double headlineRatio(String variant, int k) {
        double[] r = summaries().stream().filter(s -> s.variant().equals(variant) && s.k() == k)
                .mapToDouble(Summary::ratio).filter(Double::isFinite).toArray();
        return r.length == 0 ? Double.NaN : Stats.median(r);
    }

    private static NewSourceStudy.Score of(NewSourceStudy.Result r, String predictor) {
        return r.scores().stream().filter(s -> s.predictor().equals(predictor)).findFirst()
                .orElse(new NewSourceStudy.Score(predictor, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, Double.NaN, null));
    }

    private static double[] values(List<NewSourceStudy.Result> g, String predictor,
                                   java.util.function.ToDoubleFunction<NewSourceStudy.Score> f) {
        return g.stream().flatMap(r -> r.scores().stream()).filter(s -> s.predictor().equals(predictor))
                .mapToDouble(f).filter(Double::isFinite).toArray();
    }

    private static double median(double[] v) {
        return v.length == 0 ? Double.NaN : Stats.median(v);
    }

    /** Writes report.md, figures.json and mae-by-k.png into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("report.md"), markdown());
        Map<String, Object> figures = new LinkedHashMap<>();
        Map<String, Object> headline = new LinkedHashMap<>();
        for (String variant : variants()) {
            for (int k : settings.ks()) {
                double r = headlineRatio(variant, k);
                if (k > 0 && Double.isFinite(r)) {
                    headline.put(variant + "/k=" + k, r);
                }
            }
        }
        figures.put("median_ratio_to_law", headline);
        figures.put("summaries", summaries());
        figures.put("draws", results);
        AtomicFiles.writeString(dir.resolve("figures.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (Summary s : summaries()) {
            if (!s.variant().equals(NewSourceDraws.RANDOM)) {
                continue;
            }
            for (String p : List.of(NewSourceStudy.NCPL, NewSourceStudy.LAW)) {
                Double m = s.mae().get(p);
                if (m != null && Double.isFinite(m)) {
                    series.merge(s.source() + " " + p, new double[][] {{s.k()}, {m}}, NewSourceReport::append);
                }
            }
        }
        if (!series.isEmpty()) {
            Plots.lines(dir.resolve("mae-by-k.png"), "new source: final-loss MAE against the runs given",
                    "runs of the source given (k)", "final-loss MAE (median over draws)", series);
        }
    }

    private static double[][] append(double[][] a, double[][] b) {
        double[] x = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(a[0]), java.util.Arrays.stream(b[0])).toArray();
        double[] y = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(a[1]), java.util.Arrays.stream(b[1])).toArray();
        return new double[][] {x, y};
    }

    private TreeSet<String> variants() {
        TreeSet<String> v = new TreeSet<>();
        results.forEach(r -> v.add(r.variant()));
        return v;
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# Evaluation: new-source\n\n");
        md.append("Protocol `new-source`: for each source S with at least ").append(settings.minRuns())
                .append(" runs, a model trained without S (recipe `").append(settings.parentRecipe().name())
                .append("` with S left out) is given k runs of S and predicts the others. **ncpl**: k = 0, that model "
                        + "as it is; k > 0, adapted to the k runs as `ncpl train --from` adapts it: where every run is "
                        + "of a source it never saw and gives what it reads, its predictions corrected per source by a "
                        + "Gaussian process on its log errors on the k runs, intervals calibrated on the process's "
                        + "leave-one-out errors (`--adaptation correct`); otherwise fine-tuned. **fine-tune**: the "
                        + "network fine-tuned on the k runs (recipe `").append(settings.adaptRecipe().name())
                .append("`; their splits cleared, so a fifth is held out for early stopping and calibration), where "
                        + "ncpl corrected instead. **law**: the Chinchilla law fitted on the same k runs, the exponents "
                        + "they cannot identify borrowed from the best-identified law of the other sources (k = 0: "
                        + "their pooled law)");
        if (settings.scratch()) {
            md.append("; **scratch**, recipe `").append(settings.adaptRecipe().name())
                    .append("` trained on the k runs alone");
        }
        md.append(". Variant `random`: the k runs drawn at random, every other run of S scored. Variant "
                + "`smallest-sizes`: the k runs drawn from S's smallest sizes (sizes taken in increasing order until "
                + "they hold 2k runs), every run of S's largest size scored. Figures are medians over ")
                .append(settings.draws()).append(" seeded draws (seed ").append(settings.seed()).append(").\n\n");
        md.append("- **run files**: ").append(String.join(", ", runFiles)).append('\n');
        md.append("- **k**: ").append(settings.ks()).append("; draws ").append(settings.draws()).append("\n\n");
        md.append("## Headline\n\nMedian over sources of MAE(ncpl) / MAE(law on the same k runs) (below 1: ncpl better):\n\n");
        md.append("| variant | k | median ratio | target |\n|---|---:|---:|---:|\n");
        for (String variant : variants()) {
            for (int k : settings.ks()) {
                double r = headlineRatio(variant, k);
                if (k == 0 || !Double.isFinite(r)) {
                    continue;
                }
                String target = !variant.equals(NewSourceDraws.RANDOM) ? "" : k == 50 ? "≤ " + TARGET_RATIO_50
                        : k == 10 ? "≤ " + TARGET_RATIO_10 : "";
                md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %s |%n", variant, k, r, target));
            }
        }
        md.append("\nWithin each source at k = 0 (target Spearman ρ ≥ ").append(TARGET_SPEARMAN_0)
                .append(" where the source has an lr × batch grid): see the ρ column of the k = 0 rows.\n");
        for (String variant : variants()) {
            md.append("\n## Variant `").append(variant).append("`\n\n");
            md.append("| source | k | draws | scored | ncpl MAE | law MAE | scratch MAE | fine-tune MAE | ratio | ncpl ρ | "
                    + "law ρ | fine-tune ρ | ncpl curve MAE | ncpl 80% coverage (width) | fine-tune 80% coverage "
                    + "(width) |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Summary s : summaries()) {
                if (!s.variant().equals(variant)) {
                    continue;
                }
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        s.source(), s.k(), s.draws(), s.scored(), f4(s.mae().get(NewSourceStudy.NCPL)),
                        f4(s.mae().get(NewSourceStudy.LAW)), f4(s.mae().get(NewSourceStudy.SCRATCH)),
                        f4(s.mae().get(NewSourceStudy.FINE_TUNE)), f3(s.ratio()),
                        f3(s.spearman().get(NewSourceStudy.NCPL)), f3(s.spearman().get(NewSourceStudy.LAW)),
                        f3(s.spearman().get(NewSourceStudy.FINE_TUNE)),
                        f4(s.curveMae().get(NewSourceStudy.NCPL)), withWidth(s.coverage(), s.width()),
                        withWidth(s.candidateCoverage(), s.candidateWidth())));
            }
        }
        md.append("\n![final-loss MAE against k](mae-by-k.png)\n\n## Every draw\n\nA training that failed scores no run "
                + "(its message is in figures.json, `failure`).\n\n");
        md.append("| source | variant | k | draw | given | scored | predictor | runs | declined | MAE | ρ | median error | "
                + "curve MAE | coverage | width | seconds |\n");
        md.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (NewSourceStudy.Result r : results) {
            for (NewSourceStudy.Score s : r.scores()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %s | %d | %d | %s | %s | %s | %s | %s | %s | %.0f |%n",
                        r.source(), r.variant(), r.k(), r.draw(), r.given(), r.scored(), s.predictor(), s.runs(),
                        s.declined(), f4(s.mae()), f3(s.spearman()), f4(s.medianError()), f4(s.curveMae()),
                        pct(s.coverage()), f4(s.width()), r.seconds()));
            }
        }
        return md.toString();
    }

    private static String f4(Double v) {
        return v == null || !Double.isFinite(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String f3(Double v) {
        return v == null || !Double.isFinite(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String withWidth(double coverage, double width) {
        return Double.isFinite(coverage) ? pct(coverage) + " (" + f4(width) + ")" : "–";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", 100 * v) : "–";
    }
}
