package dev.ncpl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.eval.Plots;
import dev.ncpl.predict.Batches;
import dev.ncpl.predict.ConditionedPredictor;
import dev.ncpl.predict.NeuralPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.predict.PredictionSteps;
import dev.ncpl.predict.PrefixConditioner;
import dev.ncpl.runs.CandidateReader;
import dev.ncpl.util.AtomicLineWriter;
import dev.ncpl.util.Csv;
import dev.ncpl.util.Json;
import dev.ncpl.util.ProgressBar;
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

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Also draw the predicted curves of the first "
            + PLOTTED + " inputs.")
    Path plot;

    @Option(names = "--condition-on-curve",
            description = "Use the loss curve each input already has (a run in progress) to predict the rest of it: "
                    + "the output keeps the observed points and continues at 16 even steps of the schedule; the final "
                    + "loss is predicted from the last observed point. Inputs without a curve get the config-only "
                    + "prediction.")
    boolean conditionOnCurve;

    /** Curves drawn by --plot. */
    static final int PLOTTED = 12;

    @Override
    public Integer call() throws Exception {
        List<Prediction> toPlot = new ArrayList<>();
        long total = CandidateReader.count(runs);
        long[] written = {0};
        try (NeuralPredictor predictor = NeuralPredictor.load(model.model);
             CandidateReader reader = CandidateReader.open(runs, source);
             AtomicLineWriter writer = new AtomicLineWriter(out);
             ProgressBar bar = new ProgressBar("predict", total)) {
            boolean csv = Csv.isCsv(out);
            if (csv) {
                writer.line(Csv.row(List.of("id", "final_loss", "step", "loss")));
            }
            ConditionedPredictor conditioned = conditionOnCurve ? new ConditionedPredictor(predictor,
                    PrefixConditioner.load(model.model.resolve(PrefixConditioner.FILE)), null) : null;
            Batches.forEachPrepared(reader, NeuralPredictor.BATCH, predictor::prepare, chunk -> {
                List<Prediction> predictions = conditioned != null ? conditioned.predict(chunk.runs())
                        : predictor.predict(chunk, PredictionSteps::of);
                for (Prediction p : predictions) {
                    if (csv) {
                        writeCsv(writer, p);
                    } else {
                        writer.line(Json.MAPPER.writeValueAsString(toJson(p)));
                    }
                    if (plot != null && toPlot.size() < PLOTTED) {
                        toPlot.add(p);
                    }
                }
                bar.step(chunk.runs().size());
                written[0] += chunk.runs().size();
            });
            writer.commit();
        }
        if (plot != null) {
            Plots.predictions(plot, toPlot, PLOTTED);
            System.out.printf("drew %d curves in %s%n", toPlot.size(), plot);
        }
        System.out.printf("wrote %d predictions to %s%n", written[0], out);
        return 0;
    }

    /** The output form of a prediction: {"id", "final_loss", "curve": [[step, loss], …]}. */
    static ObjectNode toJson(Prediction p) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", p.id());
        o.put("final_loss", round(p.finalLoss()));
        ArrayNode curve = o.putArray("curve");
        for (int i = 0; i < p.steps().length; i++) {
            curve.addArray().add((long) p.steps()[i]).add(round(p.losses()[i]));
        }
        return o;
    }

    /** The CSV form: one row per curve point, {@code id,final_loss,step,loss}. */
    private static void writeCsv(AtomicLineWriter writer, Prediction p) throws java.io.IOException {
        String fin = Double.toString(round(p.finalLoss()));
        for (int i = 0; i < p.steps().length; i++) {
            writer.line(Csv.row(List.of(p.id(), fin, Long.toString((long) p.steps()[i]),
                    Double.toString(round(p.losses()[i])))));
        }
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
