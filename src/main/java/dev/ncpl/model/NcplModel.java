package dev.ncpl.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.ncpl.bundle.ModelFile;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.text.ConfigTokenizer;
import dev.ncpl.text.EncodedConfig;
import dev.ncpl.util.AtomicFiles;
import dev.ncpl.util.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained predictor on disk: {@code model.json} (manifest and provenance), {@code tokenizer.json},
 * {@code baseline.json} (the Chinchilla laws the residuals are taken over) and one parameter file
 * per ensemble member. Loaded, it runs the networks in inference mode and returns raw outputs in
 * loss units; see {@link dev.ncpl.predict.BlendedPredictor} for whole predictions.
 */
public final class NcplModel implements AutoCloseable {
    /** Format tag in model.json. */
    public static final String FORMAT = "ncpl-model/1";
    /** The manifest's file name ({@link ModelFile#MANIFEST}). */
    public static final String MANIFEST = ModelFile.MANIFEST.fileName();
    /** The tokenizer's file name ({@link ModelFile#TOKENIZER}). */
    public static final String TOKENIZER = ModelFile.TOKENIZER.fileName();
    /** The baseline's file name ({@link ModelFile#BASELINE}). */
    public static final String BASELINE = ModelFile.BASELINE.fileName();

    private final ModelManifest manifest;
    private final ConfigTokenizer tokenizer;
    private final Baseline baseline;
    private final NDManager manager;
    private final List<NcplNetwork> members;
    private final FeatureExtractor features;

    private NcplModel(ModelManifest manifest, ConfigTokenizer tokenizer, Baseline baseline, NDManager manager,
                      List<NcplNetwork> members) {
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.baseline = baseline;
        this.manager = manager;
        this.members = members;
        this.features = new FeatureExtractor(tokenizer, manifest.scaler(), baseline, manifest.finalResidualScale(),
                manifest.extras());
    }

    /** Loads the model in {@code dir} onto {@code device}. */
    public static NcplModel load(Path dir, Device device) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new IOException(dir + ": not a trained model (no " + MANIFEST + ")");
        }
        ModelManifest manifest = Json.read(manifestFile, ModelManifest.class);
        if (!FORMAT.equals(manifest.format())) {
            throw new IOException(manifestFile + ": field 'format': expected " + FORMAT + ", got " + manifest.format());
        }
        ConfigTokenizer tok = ConfigTokenizer.load(dir.resolve(TOKENIZER));
        Baseline baseline = Baseline.load(dir.resolve(BASELINE));
        NDManager manager = NDManager.newBaseManager(device);
        List<NcplNetwork> nets = new ArrayList<>();
        try {
            for (String member : manifest.members()) {
                NcplNetwork net = new NcplNetwork(manifest.network());
                loadParameters(ModelFolder.memberFile(dir, member), net, manager);
                nets.add(net);
            }
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return new NcplModel(manifest, tok, baseline, manager, nets);
    }

    /** Reads parameters saved by {@link #saveParameters} into {@code net} (which must not be initialized yet). */
    public static void loadParameters(Path file, NcplNetwork net, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": parameter file not found");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            net.loadParameters(manager, new DataInputStream(in));
            if (in.read() >= 0) {
                throw new IOException(file + ": corrupt parameter file: bytes after the last parameter");
            }
        } catch (MalformedModelException | java.io.EOFException e) {
            throw new IOException(file + ": corrupt or truncated parameter file (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": parameters do not fit the network of model.json (" + e.getMessage() + ")",
                    e);
        }
    }

    /** Writes parameters of {@code net} to {@code file} atomically. */
    public static void saveParameters(NcplNetwork net, Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(out));
            net.saveParameters(dos);
            dos.flush();
        });
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public ConfigTokenizer tokenizer() {
        return tokenizer;
    }

    public Baseline baseline() {
        return baseline;
    }

    public FeatureExtractor features() {
        return features;
    }

    public int ensembleSize() {
        return members.size();
    }

    /**
     * Raw network outputs for a batch, de-standardised into residuals (loss units) for every
     * ensemble member: result[m][0] holds final residuals (B), result[m][1..K] the curve residuals
     * flattened per config (B·K), when queries are given.
     */
    public float[][][] residuals(List<EncodedConfig> configs, float[][][] queries) {
        List<int[]> groups = LengthGroups.of(configs, MAX_SCORES_PER_CALL / manifest.network().heads());
        if (groups.size() == 1) {
            return paddedResiduals(configs, queries);
        }
        // configs of different lengths in separate calls: a short config padded to the longest costs as much
        int k = queries == null ? 0 : queries[0].length;
        float[][][] out = new float[members.size()][][];
        for (int m = 0; m < out.length; m++) {
            out[m] = new float[][] {new float[configs.size()], new float[configs.size() * k]};
        }
        for (int[] group : groups) {
            List<EncodedConfig> part = new ArrayList<>(group.length);
            float[][][] partQueries = queries == null ? null : new float[group.length][][];
            for (int i = 0; i < group.length; i++) {
                part.add(configs.get(group[i]));
                if (queries != null) {
                    partQueries[i] = queries[group[i]];
                }
            }
            float[][][] res = paddedResiduals(part, partQueries);
            for (int m = 0; m < out.length; m++) {
                for (int i = 0; i < group.length; i++) {
                    out[m][0][group[i]] = res[m][0][i];
                    if (k > 0) {
                        System.arraycopy(res[m][1], i * k, out[m][1], group[i] * k, k);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Attention scores (configs × heads × length²) one network call may hold: 8 M floats, under glibc's
     * 32 MiB ceiling for keeping freed blocks in the heap. A larger block is handed back to the kernel
     * when freed and faulted in afresh on the next call, page by page (this cap with the launcher's
     * malloc settings, measured on {@code ncpl bench}: 5 times fewer page faults, a third of the system time).
     */
    static final long MAX_SCORES_PER_CALL = 8_000_000L;

    /** {@link #residuals} of one call: every config padded to the longest. */
    private float[][][] paddedResiduals(List<EncodedConfig> configs, float[][][] queries) {
        float[][][] out = new float[members.size()][][];
        try (NDManager batch = manager.newSubManager()) {
            NDList inputs = BatchBuilder.inputs(batch, configs, queries);
            if (members.size() == 1 || MEMBER_THREADS < 2) {
                for (int m = 0; m < members.size(); m++) {
                    out[m] = memberResiduals(m, batch, inputs);
                }
            } else {
                // members run side by side: two small networks on two threads keep both cores busier than
                // one network's operators, which are too small for PyTorch to split well
                List<java.util.concurrent.Future<float[][]>> running = new ArrayList<>();
                for (int m = 0; m < members.size(); m++) {
                    int member = m;
                    running.add(memberPool().submit(() -> memberResiduals(member, batch, inputs)));
                }
                for (int m = 0; m < members.size(); m++) {
                    out[m] = await(running.get(m));
                }
            }
        }
        return out;
    }

    /** Threads that evaluate ensemble members concurrently ({@code -Dncpl.memberThreads}, default: the cores, at most 4). */
    static final int MEMBER_THREADS = Integer.getInteger("ncpl.memberThreads",
            Math.min(4, Runtime.getRuntime().availableProcessors()));
    private java.util.concurrent.ExecutorService memberPool;

    private synchronized java.util.concurrent.ExecutorService memberPool() {
        if (memberPool == null) {
            memberPool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(MEMBER_THREADS, members.size()), r -> {
                Thread t = new Thread(r, "ncpl-member");
                t.setDaemon(true);
                return t;
            });
        }
        return memberPool;
    }

    private static float[][] await(java.util.concurrent.Future<float[][]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the ensemble ran", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Member {@code m}'s outputs on {@code inputs}, de-standardised: {final residuals, curve residuals}. */
    private float[][] memberResiduals(int m, NDManager batch, NDList inputs) {
        TargetStats ts = manifest.targets();
        try (NDList res = members.get(m).forward(new ParameterStore(batch, false), inputs, false)) {
            float[] fin = res.get(0).toFloatArray();
            for (int i = 0; i < fin.length; i++) {
                fin[i] = (float) (ts.finalMean() + ts.finalStd() * fin[i]);
            }
            float[] curve = new float[0];
            if (res.size() > 1) {
                curve = res.get(1).toFloatArray();
                for (int i = 0; i < curve.length; i++) {
                    curve[i] = (float) (ts.curveMean() + ts.curveStd() * curve[i]);
                }
            }
            return new float[][] {fin, curve};
        }
    }

    @Override
    public synchronized void close() {
        if (memberPool != null) {
            memberPool.shutdownNow();
        }
        tokenizer.close();
        manager.close();
    }
}
