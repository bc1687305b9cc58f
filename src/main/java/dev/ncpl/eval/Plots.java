package dev.ncpl.eval;

import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.Run;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots for evaluation reports, drawn with XChart: predicted-vs-true scatters and curves. */
public final class Plots {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /** Predicted vs true final loss, one series per predictor, with the identity line. */
    public static void scatter(Path file, String title, List<Run> runs, Map<String, List<Prediction>> byPredictor)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(720).height(640).title(title)
                .xAxisTitle("true final loss").yAxisTitle("predicted final loss").build();
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double[] truth = runs.stream().mapToDouble(r -> r.curve().finalLoss()).toArray();
        int c = 0;
        for (Map.Entry<String, List<Prediction>> e : byPredictor.entrySet()) {
            // scored as the metrics score it: a run that stops early at its last logged step
            List<Prediction> preds = e.getValue();
            double[] pred = java.util.stream.IntStream.range(0, preds.size())
                    .mapToDouble(i -> preds.get(i).finalLossAsLogged(runs.get(i))).toArray();
            XYSeries s = chart.addSeries(e.getKey(), truth, pred);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(PALETTE[c++ % PALETTE.length]);
            for (int i = 0; i < pred.length; i++) {
                lo = Math.min(lo, Math.min(pred[i], truth[i]));
                hi = Math.max(hi, Math.max(pred[i], truth[i]));
            }
        }
        XYSeries diag = chart.addSeries("y = x", new double[] {lo, hi}, new double[] {lo, hi});
        diag.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        diag.setMarker(SeriesMarkers.NONE);
        diag.setLineColor(Color.GRAY);
        save(chart, file);
    }

    /**
     * True and predicted curves of a few runs spread over the range of final losses (the runs at
     * evenly spaced quantiles), each run in its own colour: true solid, predictions dashed.
     */
    public static void curves(Path file, String title, List<Run> runs, Map<String, List<Prediction>> byPredictor,
                              int howMany) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(640).title(title)
                .xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setMarkerSize(3);
        List<Integer> order = new ArrayList<>(IntStream.range(0, runs.size()).boxed().toList());
        order.sort(Comparator.comparingDouble(i -> runs.get(i).curve().finalLoss()));
        int n = Math.min(howMany, runs.size());
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            int i = order.get(n == 1 ? 0 : (int) Math.round((double) k * (runs.size() - 1) / (n - 1)));
            Run run = runs.get(i);
            Color color = PALETTE[k % PALETTE.length];
            double skip = Evaluator.CURVE_SKIP_FRACTION * run.curve().lastStep();
            List<List<Double>> truth = pastSkip(run.curve().steps(), run.curve().losses(), skip);
            List<Double> xs = truth.get(0);
            List<Double> ys = truth.get(1);
            if (xs.isEmpty()) {
                continue;
            }
            yMin = Math.min(yMin, java.util.Collections.min(ys));
            yMax = Math.max(yMax, java.util.Collections.max(ys));
            String label = (k + 1) + ". " + shortId(run.id());
            XYSeries t = chart.addSeries(label + " true", xs, ys);
            t.setLineColor(color);
            t.setMarkerColor(color);
            t.setMarker(SeriesMarkers.CIRCLE);
            int p = 0;
            for (Map.Entry<String, List<Prediction>> e : byPredictor.entrySet()) {
                Prediction pr = e.getValue().get(i);
                List<List<Double>> pts = pastSkip(pr.steps(), pr.losses(), skip);
                if (pts.get(0).isEmpty()) {
                    continue;
                }
                XYSeries s = chart.addSeries(label + " " + e.getKey(), pts.get(0), pts.get(1));
                s.setLineColor(color);
                s.setMarker(SeriesMarkers.NONE);
                float[] dash = p++ == 0 ? new float[] {6f, 4f} : new float[] {2f, 3f};
                s.setLineStyle(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, dash, 0f));
            }
        }
        yRange(chart, yMin, yMax, 0.15);
        save(chart, file);
    }

    /** Predicted curves of up to {@code max} predictions, one colour each, labelled with their final loss. */
    public static void predictions(Path file, List<Prediction> predictions, int max) throws IOException {
        predictions(file, predictions, null, max);
    }

    /**
     * Draws up to {@code max} predicted curves, each with its band (dashed lower and upper bounds) when
     * {@code bands} gives one ({@code bands} null, or a null entry: no band).
     */
    public static void predictions(Path file, List<Prediction> predictions, List<PredictionIntervals.Band> bands, int max)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title(bands == null ? "predicted loss curves" : "predicted loss curves with their prediction bands")
                .xAxisTitle("step").yAxisTitle("predicted loss").build();
        chart.getStyler().setMarkerSize(3);
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < Math.min(max, predictions.size()); k++) {
            Prediction p = predictions.get(k);
            double skip = Evaluator.CURVE_SKIP_FRACTION * p.steps()[p.steps().length - 1];
            List<List<Double>> pts = pastSkip(p.steps(), p.losses(), skip);
            List<Double> xs = pts.get(0);
            List<Double> ys = pts.get(1);
            if (xs.isEmpty()) {
                continue;
            }
            yMin = Math.min(yMin, java.util.Collections.min(ys));
            yMax = Math.max(yMax, java.util.Collections.max(ys));
            java.awt.Color color = PALETTE[k % PALETTE.length];
            XYSeries s = chart.addSeries(String.format(java.util.Locale.ROOT, "%d. %s (%.4f)", k + 1,
                    shortId(p.id()), p.finalLoss()), xs, ys);
            s.setLineColor(color);
            s.setMarkerColor(color);
            PredictionIntervals.Band band = bands == null || k >= bands.size() ? null : bands.get(k);
            if (band != null) {
                for (double[] bound : new double[][] {band.lo(), band.hi()}) {
                    List<List<Double>> b = pastSkip(p.steps(), bound, skip);
                    XYSeries line = chart.addSeries((bound == band.lo() ? "lo " : "hi ") + (k + 1), b.get(0), b.get(1));
                    line.setLineColor(color);
                    line.setLineStyle(SeriesLines.DASH_DASH);
                    line.setMarker(SeriesMarkers.NONE);
                    line.setShowInLegend(false);
                    yMin = Math.min(yMin, java.util.Collections.min(b.get(1)));
                    yMax = Math.max(yMax, java.util.Collections.max(b.get(1)));
                }
            }
        }
        yRange(chart, yMin, yMax, 0.1);
        save(chart, file);
    }

    /** The points at or after {@code skip}: steps, then losses. */
    private static List<List<Double>> pastSkip(double[] steps, double[] losses, double skip) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int j = 0; j < steps.length; j++) {
            if (steps[j] >= skip) {
                xs.add(steps[j]);
                ys.add(losses[j]);
            }
        }
        return List.of(xs, ys);
    }

    /**
     * Lines with markers, one per series ({@code {x values, y values}}): series whose names end alike (" law",
     * " ncpl") share a line style, and those whose names start alike (a source) share a colour.
     */
    public static void lines(Path file, String title, String xTitle, String yTitle, Map<String, double[][]> series)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        java.util.List<String> groups = new ArrayList<>();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            String name = e.getKey();
            String group = name.contains(" ") ? name.substring(0, name.lastIndexOf(' ')) : name;
            if (!groups.contains(group)) {
                groups.add(group);
            }
            XYSeries s = chart.addSeries(name, e.getValue()[0], e.getValue()[1]);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.CIRCLE);
            Color c = PALETTE[groups.indexOf(group) % PALETTE.length];
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setLineStyle(name.endsWith(" law") ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
        }
        save(chart, file);
    }

    /** Fits the y axis to [lo, hi] with a margin of {@code padFraction} of the range. */
    private static void yRange(XYChart chart, double lo, double hi, double padFraction) {
        if (Double.isFinite(lo)) {
            double pad = padFraction * (hi - lo) + 1e-3;
            chart.getStyler().setYAxisMin(lo - pad);
            chart.getStyler().setYAxisMax(hi + pad);
        }
    }

    private static String shortId(String id) {
        String s = id.contains("/") ? id.substring(id.indexOf('/') + 1) : id;
        return s.length() > 28 ? "…" + s.substring(s.length() - 27) : s;
    }

    private static void save(XYChart chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
