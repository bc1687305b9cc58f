package dev.ncpl.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.runs.Run;
import dev.ncpl.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Writes a generated run as each tool would have logged it: HuggingFace Trainer output, a W&B history
 * export, Lightning's metrics.csv, an MLflow file store and TensorBoard event files. The run's curve
 * is the evaluation loss; a training loss 0.1 above it is logged too, so importers must pick the right one.
 */
public final class LogFixtures {
    private LogFixtures() {}

    private static int layers(Run r) {
        return r.number("model.n_layers").orElseThrow().intValue();
    }

    private static int width(Run r) {
        return r.number("model.d_model").orElseThrow().intValue();
    }

    /** output_dir/ with config.json, training_args.json and two checkpoints (the later one complete). */
    public static Path huggingFace(Path dir, Run r) throws IOException {
        Files.createDirectories(dir);
        ObjectNode cfg = Json.MAPPER.createObjectNode();
        cfg.put("model_type", "llama");
        cfg.put("num_hidden_layers", layers(r));
        cfg.put("hidden_size", width(r));
        cfg.put("intermediate_size", 4 * width(r));
        cfg.put("num_attention_heads", width(r) / 64);
        cfg.put("hidden_act", "silu");
        cfg.putArray("architectures").add("LlamaForCausalLM");
        Files.writeString(dir.resolve("config.json"), cfg.toPrettyString());
        ObjectNode args = Json.MAPPER.createObjectNode();
        args.put("run_name", "hf-run");
        args.put("learning_rate", r.number("optimizer.lr").orElseThrow());
        args.put("weight_decay", 0.1);
        args.put("adam_beta1", 0.9);
        args.put("adam_beta2", 0.95);
        args.put("optim", "adamw_torch_fused");
        args.put("lr_scheduler_type", "cosine");
        args.put("warmup_ratio", 0.01);
        args.put("per_device_train_batch_size", 16);
        args.put("gradient_accumulation_steps", 4);
        args.put("world_size", 2);
        args.put("max_seq_length", 2048);
        Files.writeString(dir.resolve("training_args.json"), args.toPrettyString());
        for (int cut : new int[] {r.curve().size() / 2, r.curve().size()}) {
            Path ck = dir.resolve("checkpoint-" + (long) r.curve().step(cut - 1));
            Files.createDirectories(ck);
            ObjectNode state = Json.MAPPER.createObjectNode();
            state.put("max_steps", r.number("schedule.total_steps").orElseThrow().longValue());
            state.put("train_batch_size", 16);
            ArrayNode hist = state.putArray("log_history");
            for (int i = 0; i < cut; i++) {
                long step = (long) r.curve().step(i);
                hist.addObject().put("epoch", 0.01 * i).put("grad_norm", 1.0).put("learning_rate", 1e-3)
                        .put("loss", r.curve().loss(i) + 0.1).put("step", step);
                hist.addObject().put("epoch", 0.01 * i).put("eval_loss", r.curve().loss(i)).put("eval_runtime", 3.2)
                        .put("step", step);
            }
            Files.writeString(ck.resolve("trainer_state.json"), state.toPrettyString());
        }
        return dir;
    }

    /** A W&B history export (sparse rows, _step, _runtime) with W&B's config.yaml ({value: …} wrappers) beside it. */
    public static Path wandbCsv(Path dir, Run r) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("_step,_runtime,train/loss,eval/loss\n");
        for (int i = 0; i < r.curve().size(); i++) {
            long step = (long) r.curve().step(i);
            csv.append(String.format(Locale.ROOT, "%d,%d,%.6f,%n", step - 1, i, r.curve().loss(i) + 0.1));
            csv.append(String.format(Locale.ROOT, "%d,%d,,%.6f%n", step, i, r.curve().loss(i)));
        }
        Files.writeString(dir.resolve("wandb_export.csv"), csv);
        String yaml = "_wandb:\n  value:\n    cli_version: 0.17.0\n"
                + "n_layer:\n  desc: null\n  value: " + layers(r) + "\n"
                + "n_embd:\n  desc: null\n  value: " + width(r) + "\n"
                + "lr:\n  desc: null\n  value: " + r.number("optimizer.lr").orElseThrow() + "\n"
                + "optimizer:\n  desc: null\n  value: AdamW\n"
                + "global_batch_size:\n  desc: null\n  value: 128\n"
                + "block_size:\n  desc: null\n  value: 2048\n"
                + "max_iters:\n  desc: null\n  value: " + r.number("schedule.total_steps").orElseThrow().longValue() + "\n";
        Files.writeString(dir.resolve("config.yaml"), yaml);
        return dir;
    }

    /** Lightning's logs/version_0/ with metrics.csv (epoch,step,train_loss,val_loss) and hparams.yaml. */
    public static Path lightning(Path dir, Run r) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("epoch,step,train_loss,val_loss\n");
        for (int i = 0; i < r.curve().size(); i++) {
            long step = (long) r.curve().step(i);
            csv.append(String.format(Locale.ROOT, "0,%d,%.6f,%n", step, r.curve().loss(i) + 0.1));
            csv.append(String.format(Locale.ROOT, "0,%d,,%.6f%n", step, r.curve().loss(i)));
        }
        Files.writeString(dir.resolve("metrics.csv"), csv);
        Files.writeString(dir.resolve("hparams.yaml"), "model:\n  n_layers: " + layers(r) + "\n  d_model: " + width(r)
                + "\n  d_ff: " + 4 * width(r) + "\n  activation: swiglu\noptimizer:\n  name: adamw\n  lr: " + r.number("optimizer.lr").orElseThrow()
                + "\ndata:\n  seq_len: 2048\n  batch_size: 128\nschedule:\n  total_steps: "
                + r.number("schedule.total_steps").orElseThrow().longValue() + "\n");
        return dir;
    }

    /** mlruns/1/&lt;run id&gt;/ with meta.yaml, params/, metrics/ and tags/mlflow.runName; the experiment's meta.yaml too. */
    public static Path mlflow(Path root, Run r) throws IOException {
        Path exp = root.resolve("1");
        Path run = exp.resolve("0a1b2c3d4e");
        Files.createDirectories(run.resolve("params"));
        Files.createDirectories(run.resolve("metrics"));
        Files.createDirectories(run.resolve("tags"));
        Files.writeString(exp.resolve("meta.yaml"), "experiment_id: '1'\nname: sweep\n");
        Files.writeString(run.resolve("meta.yaml"), "run_id: 0a1b2c3d4e\nstatus: 3\n");
        Files.writeString(run.resolve("tags").resolve("mlflow.runName"), "mlflow-run");
        Files.writeString(run.resolve("params").resolve("n_layers"), Integer.toString(layers(r)));
        Files.writeString(run.resolve("params").resolve("d_model"), Integer.toString(width(r)));
        Files.writeString(run.resolve("params").resolve("d_ff"), Integer.toString(4 * width(r)));
        Files.writeString(run.resolve("params").resolve("hidden_act"), "swiglu");
        Files.writeString(run.resolve("params").resolve("learning_rate"), r.number("optimizer.lr").orElseThrow().toString());
        Files.writeString(run.resolve("params").resolve("optimizer"), "adamw");
        Files.writeString(run.resolve("params").resolve("batch_size"), "128");
        Files.writeString(run.resolve("params").resolve("seq_len"), "2048");
        Files.writeString(run.resolve("params").resolve("max_steps"),
                Long.toString(r.number("schedule.total_steps").orElseThrow().longValue()));
        StringBuilder val = new StringBuilder();
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < r.curve().size(); i++) {
            val.append(String.format(Locale.ROOT, "%d %s %d%n", 1700000000000L + i, r.curve().loss(i), (long) r.curve().step(i)));
            train.append(String.format(Locale.ROOT, "%d %s %d%n", 1700000000000L + i, r.curve().loss(i) + 0.1,
                    (long) r.curve().step(i)));
        }
        Files.writeString(run.resolve("metrics").resolve("val_loss"), val);
        Files.writeString(run.resolve("metrics").resolve("train_loss"), train);
        return root;
    }

    /**
     * A TensorBoard run folder: the eval loss as TF2-style tensors in one event file, the training loss as
     * simple_values in another, and a config.json beside them.
     */
    public static Path tensorBoard(Path dir, Run r) throws IOException {
        Files.createDirectories(dir);
        ByteArrayOutputStream evalFile = new ByteArrayOutputStream();
        ByteArrayOutputStream trainFile = new ByteArrayOutputStream();
        record(evalFile, event(0, 0, null, 0, true)); // file_version-like first event without a summary
        for (int i = 0; i < r.curve().size(); i++) {
            long step = (long) r.curve().step(i);
            record(evalFile, event(1.7e9 + i, step, "eval/loss", (float) r.curve().loss(i), true));
            record(trainFile, event(1.7e9 + i, step, "train/loss", (float) (r.curve().loss(i) + 0.1), false));
        }
        Files.write(dir.resolve("events.out.tfevents.1700000000.host.1.0"), evalFile.toByteArray());
        Files.write(dir.resolve("events.out.tfevents.1700000001.host.1.1"), trainFile.toByteArray());
        ObjectNode cfg = Json.MAPPER.createObjectNode();
        cfg.putObject("model").put("n_layers", layers(r)).put("d_model", width(r)).put("d_ff", 4 * width(r))
                .put("activation", "swiglu");
        cfg.putObject("optimizer").put("name", "adamw").put("lr", r.number("optimizer.lr").orElseThrow());
        cfg.putObject("data").put("seq_len", 2048).put("batch_size", 128);
        cfg.putObject("schedule").put("total_steps", r.number("schedule.total_steps").orElseThrow().longValue());
        Files.writeString(dir.resolve("config.json"), cfg.toPrettyString());
        return dir;
    }

    /** One TFRecord: length, masked CRC of it, payload, masked CRC of it. */
    public static void record(ByteArrayOutputStream out, byte[] data) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length);
        out.writeBytes(len.array());
        out.writeBytes(le32(masked(len.array())));
        out.writeBytes(data);
        out.writeBytes(le32(masked(data)));
    }

    private static int masked(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        int crc = (int) c.getValue();
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** An Event: wall_time (1), step (2), summary (5) holding one value, as simple_value or as a float tensor. */
    static byte[] event(double wall, long step, String tag, float value, boolean tensor) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        key(e, 1, 1);
        e.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(wall).array());
        key(e, 2, 0);
        varint(e, step);
        if (tag != null) {
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            bytes(v, 1, tag.getBytes(StandardCharsets.UTF_8));
            if (tensor) {
                ByteArrayOutputStream t = new ByteArrayOutputStream();
                key(t, 1, 0);
                varint(t, 1); // DT_FLOAT
                bytes(t, 2, new byte[0]); // scalar shape
                bytes(t, 5, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
                bytes(v, 8, t.toByteArray());
            } else {
                key(v, 2, 5);
                v.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
            }
            ByteArrayOutputStream s = new ByteArrayOutputStream();
            bytes(s, 1, v.toByteArray());
            bytes(e, 5, s.toByteArray());
        }
        return e.toByteArray();
    }

    private static void key(ByteArrayOutputStream o, int field, int wire) {
        varint(o, ((long) field << 3) | wire);
    }

    private static void bytes(ByteArrayOutputStream o, int field, byte[] b) {
        key(o, field, 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
