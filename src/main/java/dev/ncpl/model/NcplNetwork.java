package dev.ncpl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The NCPL predictor network. Token embeddings plus learned positions, with each number
 * placeholder's embedding shifted by an embedding of its scaled value, go through pre-LN transformer
 * blocks. Values are embedded periodically (sin and cos of learned frequencies, then a linear map and
 * GELU, as in Gorishniy et al. 2022, "On embeddings for numerical features in tabular deep
 * learning"), which resolves fine differences such as a learning rate near its optimum far better
 * than a linear map of the raw scalar. The value embedding is made field-specific by gating it with the embedding of the key
 * token just before the placeholder ("optimizer.lr:"), so that the same number means different
 * things in different fields from the first layer on; the [CLS] state and the mean over real tokens form the config representation. Two heads
 * read it: the final-loss head (a residual over the Chinchilla baseline, standardised) and the
 * curve head, which also takes the features of a position in the run (fraction of training,
 * tokens seen, learning rate there…) and is evaluated for every curve point from one encoder pass.
 *
 * <p>Inputs: ids (B, T) int64, numbers (B, T), number mask (B, T), padding mask (B, T) with 1 on
 * real tokens, and optionally curve queries (B, K, Q). Outputs: final (B) and, with queries, curve
 * (B, K).
 */
public final class NcplNetwork extends AbstractBlock {
    private static final byte VERSION = 1;
    private final ModelConfig config;
    private final Parameter tokenEmbedding;
    private final Parameter positionEmbedding;
    /** Number of learned frequencies of the periodic number embedding. */
    public static final int FREQUENCIES = 16;
    private final Parameter frequencies;
    private final Linear numberIn;
    private final Linear numberOut;
    private final List<PreLnEncoderBlock> blocks = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Dropout dropPooled;
    private final Linear finalHidden;
    private final Linear finalOut;
    private final Linear curveHidden1;
    private final Linear curveHidden2;
    private final Linear curveOut;

    public NcplNetwork(ModelConfig config) {
        super(VERSION);
        this.config = config;
        int d = config.dModel();
        tokenEmbedding = addParameter(Parameter.builder().setName("tokenEmbedding").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(config.vocabularySize(), d)).optInitializer(new NormalInitializer(0.02f))
                .build());
        positionEmbedding = addParameter(Parameter.builder().setName("positionEmbedding")
                .setType(Parameter.Type.WEIGHT).optShape(new Shape(config.maxLength(), d))
                .optInitializer(new NormalInitializer(0.02f)).build());
        frequencies = addParameter(Parameter.builder().setName("frequencies").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, FREQUENCIES)).optInitializer(new NormalInitializer(1.0f)).build());
        numberIn = addChildBlock("numberIn", Linear.builder().setUnits(d).build());
        numberOut = addChildBlock("numberOut", Linear.builder().setUnits(d).build());
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(addChildBlock("block" + i, new PreLnEncoderBlock(d, config.heads(), config.ffHidden(),
                    config.dropout())));
        }
        finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(2).build());
        dropPooled = addChildBlock("dropPooled", Dropout.builder().optRate((float) config.dropout()).build());
        finalHidden = addChildBlock("finalHidden", Linear.builder().setUnits(config.headHidden()).build());
        finalOut = addChildBlock("finalOut", Linear.builder().setUnits(1).build());
        curveHidden1 = addChildBlock("curveHidden1", Linear.builder().setUnits(config.headHidden()).build());
        curveHidden2 = addChildBlock("curveHidden2", Linear.builder().setUnits(config.headHidden()).build());
        curveOut = addChildBlock("curveOut", Linear.builder().setUnits(1).build());
    }

    public ModelConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray pooled = dropPooled.forward(ps, new NDList(encode(ps, inputs, training)), training).singletonOrThrow();
        NDArray fin = finalOut.forward(ps, new NDList(Activation.gelu(
                finalHidden.forward(ps, new NDList(pooled), training).singletonOrThrow())), training)
                .singletonOrThrow().squeeze(-1);
        if (inputs.size() < 5) {
            return new NDList(fin);
        }
        NDArray queries = inputs.get(4);
        long k = queries.getShape().get(1);
        long b = pooled.getShape().get(0);
        NDArray rep = pooled.expandDims(1).broadcast(b, k, pooled.getShape().get(1));
        NDArray h = rep.concat(queries, 2);
        h = Activation.gelu(curveHidden1.forward(ps, new NDList(h), training).singletonOrThrow());
        h = Activation.gelu(curveHidden2.forward(ps, new NDList(h), training).singletonOrThrow());
        NDArray curve = curveOut.forward(ps, new NDList(h), training).singletonOrThrow().squeeze(-1);
        return new NDList(fin, curve);
    }

    /** The config representation (B, 2d): [CLS] state and masked mean of the final states. */
    private NDArray encode(ParameterStore ps, NDList inputs, boolean training) {
        NDArray ids = inputs.get(0);
        NDArray padMask = inputs.get(3);
        long t = ids.getShape().get(1);
        NDArray emb = ps.getValue(tokenEmbedding, ids.getDevice(), training);
        NDArray pos = ps.getValue(positionEmbedding, ids.getDevice(), training);
        // row lookups (torch.embedding and a slice), not one-hot products: the same numbers at a fraction of the cost
        NDArray tokens = ids.getNDArrayInternal().embedding(ids, emb, SparseFormat.DENSE).singletonOrThrow();
        NDArray x = tokens.add(pos.get(new NDIndex(":{}", t)));
        x = x.add(training ? numberEmbeddingsEverywhere(ps, inputs, tokens, training)
                : numberEmbeddingsGathered(ps, inputs, emb, training));
        // without padding (the usual case once batches are grouped by length) the blocks skip the mask
        NDList maskInput = training || padMask.min().getFloat() < 1f
                ? new NDList(padMask.expandDims(1).expandDims(1)) : new NDList();
        for (PreLnEncoderBlock block : blocks) {
            NDList blockInputs = new NDList(x);
            blockInputs.addAll(maskInput);
            x = block.forward(ps, blockInputs, training).singletonOrThrow();
        }
        x = finalNorm.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray cls = x.get(":, 0, :");
        NDArray mask = padMask.expandDims(-1);
        NDArray mean = x.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}));
        return cls.concat(mean, 1);
    }

    /**
     * The value embeddings at every position, gated by the embedding of the token before (the key),
     * zero away from number placeholders: the form training differentiates.
     */
    private NDArray numberEmbeddingsEverywhere(ParameterStore ps, NDList inputs, NDArray tokens, boolean training) {
        NDArray numbers = inputs.get(1);
        NDArray numberMask = inputs.get(2);
        NDArray numEmb = valueEmbedding(ps, numbers, training);
        // the key token precedes each placeholder: shift the token embeddings right by one position
        NDArray previous = tokens.getManager().zeros(new Shape(tokens.getShape().get(0), 1, config.dModel()))
                .concat(tokens.get(":, :-1, :"), 1);
        return numEmb.mul(previous.add(1f)).mul(numberMask.expandDims(-1));
    }

    /**
     * The same embeddings as {@link #numberEmbeddingsEverywhere}, computed at the number placeholders
     * only (about one token in four) and put in place by a row lookup into [zero row; one row per
     * number]: the inference form, a fraction of the work. [CLS] comes first, so no placeholder is at
     * position 0 and each has a key token before it.
     */
    private NDArray numberEmbeddingsGathered(ParameterStore ps, NDList inputs, NDArray emb, boolean training) {
        NDArray ids = inputs.get(0);
        NDArray numberMask = inputs.get(2);
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        NDArray isNumber = numberMask.toType(DataType.BOOLEAN, false);
        NDArray values = inputs.get(1).booleanMask(isNumber);
        NDArray keyIds = ids.get(":, :-1").booleanMask(isNumber.get(":, 1:"));
        NDArray keys = ids.getNDArrayInternal().embedding(keyIds, emb, SparseFormat.DENSE).singletonOrThrow();
        NDArray gated = valueEmbedding(ps, values, training).mul(keys.add(1f));
        NDArray table = ids.getManager().zeros(new Shape(1, config.dModel())).concat(gated, 0);
        NDArray flatMask = numberMask.reshape(b * t);
        NDArray rows = flatMask.cumSum(0).mul(flatMask).toType(DataType.INT64, false).reshape(b, t);
        return ids.getNDArrayInternal().embedding(rows, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** The periodic embedding of scaled values of any shape (..., ) → (..., d), before gating. */
    private NDArray valueEmbedding(ParameterStore ps, NDArray values, boolean training) {
        NDArray freq = ps.getValue(frequencies, values.getDevice(), training).reshape(FREQUENCIES);
        NDArray angle = values.expandDims(-1).mul(freq).mul((float) (2 * Math.PI));
        NDArray num = angle.sin().concat(angle.cos(), angle.getShape().dimension() - 1);
        return numberOut.forward(ps, new NDList(Activation.gelu(
                numberIn.forward(ps, new NDList(num), training).singletonOrThrow())), training).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        if (inputShapes.length < 5) {
            return new Shape[] {new Shape(b)};
        }
        return new Shape[] {new Shape(b), new Shape(b, inputShapes[4].get(1))};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long b = inputShapes[0].get(0);
        long t = inputShapes[0].get(1);
        int d = config.dModel();
        Shape x = new Shape(b, t, d);
        numberIn.initialize(manager, dataType, new Shape(b, t, 2L * FREQUENCIES));
        numberOut.initialize(manager, dataType, new Shape(b, t, d));
        for (PreLnEncoderBlock block : blocks) {
            block.initialize(manager, dataType, x, new Shape(b, 1, 1, t));
        }
        finalNorm.initialize(manager, dataType, x);
        dropPooled.initialize(manager, dataType, new Shape(b, 2L * d));
        finalHidden.initialize(manager, dataType, new Shape(b, 2L * d));
        finalOut.initialize(manager, dataType, new Shape(b, config.headHidden()));
        long k = inputShapes.length >= 5 ? inputShapes[4].get(1) : 1;
        curveHidden1.initialize(manager, dataType, new Shape(b, k, 2L * d + config.queryFeatures()));
        curveHidden2.initialize(manager, dataType, new Shape(b, k, config.headHidden()));
        curveOut.initialize(manager, dataType, new Shape(b, k, config.headHidden()));
    }
}
