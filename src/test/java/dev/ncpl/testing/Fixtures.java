package dev.ncpl.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.runs.Curve;
import dev.ncpl.runs.Run;
import dev.ncpl.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates runs whose final losses follow a known Chinchilla law (plus a known learning-rate
 * penalty and Gaussian noise), with curves shaped by their cosine schedule, so that fits and
 * predictors can be checked against the truth.
 */
public final class Fixtures {
    /** The law the generated runs follow. */
    public static final ChinchillaLaw TRUE_LAW = new ChinchillaLaw(1.9, 420.0, 1800.0, 0.33, 0.30);
    /** Layer counts and widths of the generated model shapes. */
    private static final int[][] SHAPES = {{6, 384}, {8, 512}, {10, 640}, {12, 768}, {16, 1024}, {20, 1280}};

    private Fixtures() {}

    /** True shift of the final loss for a learning rate away from the optimum 3e-3 (quadratic in log lr). */
    public static double lrPenalty(double lr) {
        double x = Math.log10(lr / 3e-3);
        return 0.04 * x * x;
    }

    /**
     * {@code count} runs over the first {@code shapes} model shapes, with noise of standard deviation
     * {@code noise}; every fifth run is in_val.
     */
    public static List<Run> runs(int count, int shapes, double noise, long seed, String source) {
        Random rnd = new Random(seed);
        List<Run> out = new ArrayList<>();
        double[] lrs = {1e-3, 2e-3, 3e-3, 6e-3, 1e-2};
        double[] multipliers = {2, 5, 10, 20, 40, 80};
        for (int i = 0; i < count; i++) {
            int[] shape = SHAPES[i % shapes];
            double lr = lrs[(i / shapes) % lrs.length];
            double mult = multipliers[(i / (shapes * lrs.length)) % multipliers.length];
            out.add(run(source + "/run-" + i, source, i % 5 == 4 ? "in_val" : "train", shape[0], shape[1], lr, mult,
                    noise, rnd));
        }
        return out;
    }

    /** One generated run. */
    public static Run run(String id, String source, String split, int layers, int dModel, double lr,
                          double tokensPerParam, double noise, Random rnd) {
        int dFf = 4 * dModel;
        double n = layers * (4.0 * dModel * dModel + 3.0 * dModel * dFf);
        double batchTokens = 262144;
        double steps = Math.max(40, Math.round(tokensPerParam * n / batchTokens));
        double d = steps * batchTokens;
        ObjectNode config = Json.MAPPER.createObjectNode();
        ObjectNode model = config.putObject("model");
        model.put("arch", "llama");
        model.put("n_layers", layers);
        model.put("d_model", dModel);
        model.put("n_heads", dModel / 64);
        model.put("d_ff", dFf);
        model.put("activation", "swiglu");
        model.put("non_embedding_params", (long) n);
        ObjectNode opt = config.putObject("optimizer");
        opt.put("name", "adamw");
        opt.put("lr", lr);
        opt.put("weight_decay", 0.1);
        opt.put("beta1", 0.9);
        opt.put("beta2", 0.95);
        ObjectNode data = config.putObject("data");
        data.put("seq_len", 2048);
        data.put("batch_size", 128);
        data.put("batch_tokens", (long) batchTokens);
        data.put("tokens_total", (long) d);
        ObjectNode schedule = config.putObject("schedule");
        schedule.put("lr_schedule", "cosine");
        schedule.put("warmup_steps", (long) Math.min(200, steps / 10));
        schedule.put("total_steps", (long) steps);
        schedule.put("min_lr_ratio", 0.1);
        double finalLoss = TRUE_LAW.predict(n, d) + lrPenalty(lr) + noise * rnd.nextGaussian();
        int points = 12;
        double[] st = new double[points];
        double[] ls = new double[points];
        for (int k = 0; k < points; k++) {
            double frac = (k + 1.0) / points;
            st[k] = k == points - 1 ? steps - 1 : Math.round(steps * frac);
            double cosineGap = 0.05 * (1 + Math.cos(Math.PI * frac)) / 2;
            ls[k] = TRUE_LAW.predict(n, Math.max(st[k], 1) * batchTokens) + lrPenalty(lr) + cosineGap
                    + (k == points - 1 ? finalLoss - TRUE_LAW.predict(n, d) - lrPenalty(lr) : noise * rnd.nextGaussian());
        }
        return new Run(id, source, split, "loss", config, new Curve(st, ls));
    }

    /** The shared pretraining logs, when they are beside the project. */
    public static Path sharedLogs() {
        for (Path p : List.of(Path.of("../shared/pretraining-logs"), Path.of("../../shared/pretraining-logs"))) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
