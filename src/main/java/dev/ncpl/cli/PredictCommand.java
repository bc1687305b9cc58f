package dev.ncpl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.api.Config;
import dev.ncpl.api.PredictedRun;
import dev.ncpl.api.Predictor;
import dev.ncpl.eval.Plots;
import dev.ncpl.predict.Prediction;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.uncertainty.PredictionIntervals;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Csv;
import dev.ncpl.util.Iterators;
import dev.ncpl.util.Json;
import dev.ncpl.util.OutputTarget;
import dev.ncpl.util.ProgressBar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncpl predict}: predicts final loss and curve for every run or bare config in a JSONL file,
 * streaming (constant memory), writing one JSON object per input line.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict the final loss and loss curve of each run or config (JSONL, JSON, YAML or CSV). The curve "
                + "is given at the steps of the input's curve, or at 16 even steps when it has none.")
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--runs", required = true, paramLabel = "FILE",
            description = "Runs or candidate configs: JSONL, one JSON/YAML config, or CSV (one candidate a row, "
                    + "columns named by config keys such as optimizer.lr).")
    Path runs;

    @Option(names = "--source", paramLabel = "NAME",
            description = "Source of candidates that name none (its Chinchilla law is used; default: the pooled law).")
    String source;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Output predictions: JSONL {\"id\", \"final_loss\", \"curve\": [[step, loss], …]}, or, when FILE "
                    + "ends in .csv, CSV with one row per curve point: id,final_loss,step,loss.")
    Path out;

    @picocli.CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--rejects", paramLabel = "FILE",
            description = "Write the candidates that cannot be predicted (a value outside its range, an unknown "
                    + "optimizer, a size that cannot be resolved) to FILE as JSONL {\"file\", \"line\", \"field\", "
                    + "\"problem\"} and go on with the others; without it the first one stops the run.")
    Path rejects;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw the predicted curves of the first "
            + PLOTTED + " inputs, the first " + BANDED + " with their prediction bands.")
    Path plot;

    @Option(names = "--condition-on-curve",
            description = "Use the loss curve each input already has (a run in progress) to predict the rest of it: "
                    + "the output keeps the observed points and continues at 16 even steps of the schedule; the final "
                    + "loss is predicted from the last observed point. Inputs without a curve get the config-only "
                    + "prediction.")
    boolean conditionOnCurve;

    @Option(names = "--level", paramLabel = "P", defaultValue = "" + PredictionIntervals.DEFAULT_LEVEL,
            description = "Nominal coverage of the prediction intervals (\"final_loss_interval\") and curve bands "
                    + "(\"curve_band\": [[step, lo, hi], …]) added when the model has them (intervals.json); "
                    + "default: ${DEFAULT-VALUE}. Runs in progress (--condition-on-curve) get intervals calibrated on held-out "
                    + "runs cut at 10-70%% of training (conditioned-intervals.json), zero-width over observed points.")
    double level;

    /** Curves drawn by --plot, and how many of them get their band (more would hide the curves). */
    static final int PLOTTED = 12;
    static final int BANDED = 4;

    @Override
    public Integer call() throws Exception {
        PredictionIntervals.checkLevel(level);
        OutputTarget.checkNotInput("--out", out, List.of(runs));
        OutputTarget.checkNotInput("--plot", plot, List.of(runs, out));
        OutputTarget.checkNotInput("--rejects", rejects, List.of(runs, out));
        List<Prediction> toPlot = new ArrayList<>();
        List<PredictionIntervals.Band> bands = new ArrayList<>();
        long total = CandidateReader.count(runs);
        long[] written = {0};
        OutsideTrainingRange outside = new OutsideTrainingRange();
        try (Predictor predictor = Predictor.load(model.model);
             Rejects rejected = Rejects.open(rejects);
             CandidateReader reader = skipping(rejected, CandidateReader.open(runs, source)
                     .checkedBy(predictor.blend()::checkPredictable));
             AtomicLineWriter writer = new AtomicLineWriter(out);
             ProgressBar bar = new ProgressBar("predict", total)) {
            boolean csv = Csv.isCsv(out);
            if (csv) {
                writer.line(Csv.row(!predictor.hasIntervals() ? List.of("id", "final_loss", "step", "loss")
                        : List.of("id", "final_loss", "final_lo", "final_hi", "step", "loss", "lo", "hi")));
            }
            try {
                predictor.predictEach(Iterators.map(reader, Config::of), level, conditionOnCurve, p -> {
                    outside.record(p.outsideTrainingRange());
                    outside.recordBeyondSource(p.beyondSourceRange());
                    try {
                        if (csv) {
                            writeCsv(writer, p);
                        } else {
                            writer.line(Json.MAPPER.writeValueAsString(toJson(p)));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    if (plot != null && toPlot.size() < PLOTTED) {
                        toPlot.add(new Prediction(p.id(), p.finalLoss(), p.steps(), p.curve()));
                        bands.add(toPlot.size() <= BANDED && p.band() != null
                                ? new PredictionIntervals.Band(p.band().lo(), p.band().hi()) : null);
                    }
                    bar.step(1);
                    written[0]++;
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            writer.commit();
            if (rejected != null) {
                rejected.commit(written[0], System.out);
            }
        }
        if (plot != null) {
            Plots.predictions(plot, toPlot, bands, PLOTTED);
            System.out.printf("drew %d curves in %s%n", toPlot.size(), plot);
        }
        System.out.printf("wrote %d predictions to %s%n", written[0], out);
        outside.report(written[0], System.err);
        return 0;
    }

    /** {@code reader}, skipping invalid candidates into {@code rejected} when it is given. */
    static CandidateReader skipping(Rejects rejected, CandidateReader reader) {
        return rejected == null ? reader : rejected.attach(reader);
    }

    /**
     * The output form of a prediction: {"id", "final_loss", "final_loss_interval": [lo, hi], "curve": [[step, loss],
     * …], "curve_band": [[step, lo, hi], …], "outside_training_range": […], "beyond_source_range": […]}, the
     * interval and band where the model has them, the lists where they are not empty.
     */
    static ObjectNode toJson(PredictedRun p) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", p.id());
        o.put("final_loss", round(p.finalLoss()));
        if (p.finalLossInterval() != null) {
            o.putArray("final_loss_interval").add(round(p.finalLossInterval().lo())).add(round(p.finalLossInterval().hi()));
        }
        ArrayNode curve = o.putArray("curve");
        for (int i = 0; i < p.steps().length; i++) {
            curve.addArray().add((long) p.steps()[i]).add(round(p.curve()[i]));
        }
        if (p.band() != null) {
            ArrayNode b = o.putArray("curve_band");
            for (int i = 0; i < p.steps().length; i++) {
                b.addArray().add((long) p.steps()[i]).add(round(p.band().lo()[i])).add(round(p.band().hi()[i]));
            }
        }
        if (!p.outsideTrainingRange().isEmpty()) {
            p.outsideTrainingRange().forEach(o.putArray("outside_training_range")::add);
        }
        if (!p.beyondSourceRange().isEmpty()) {
            p.beyondSourceRange().forEach(o.putArray("beyond_source_range")::add);
        }
        return o;
    }

    /** The CSV form: one row per curve point, {@code id,final_loss[,final_lo,final_hi],step,loss[,lo,hi]}. */
    private static void writeCsv(AtomicLineWriter writer, PredictedRun p) throws IOException {
        for (int i = 0; i < p.steps().length; i++) {
            List<String> row = new ArrayList<>(List.of(p.id(), num(p.finalLoss())));
            if (p.finalLossInterval() != null) {
                row.addAll(List.of(num(p.finalLossInterval().lo()), num(p.finalLossInterval().hi())));
            }
            row.addAll(List.of(Long.toString((long) p.steps()[i]), num(p.curve()[i])));
            if (p.band() != null) {
                row.addAll(List.of(num(p.band().lo()[i]), num(p.band().hi()[i])));
            }
            writer.line(Csv.row(row));
        }
    }

    private static String num(double v) {
        return Double.toString(round(v));
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
