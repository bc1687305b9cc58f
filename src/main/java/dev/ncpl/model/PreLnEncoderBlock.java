package dev.ncpl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A pre-LayerNorm transformer encoder block: x + Attention(LN(x)), then x + MLP(LN(x)), built
 * from DJL's Linear and LayerNorm blocks (DJL's own TransformerEncoderBlock normalises with
 * BatchNorm). Inputs: x of shape (B, T, d) and a key mask of shape (B, 1, 1, T), 1 on real tokens
 * and 0 on padding; in inference the mask may be left out when nothing is padded (one pass over the
 * attention scores fewer). In training the masked softmax multiplies by the mask instead of adding a large
 * negative number: PyTorch's CPU softmax backward was seen to return NaN now and then with an
 * additive -1e9 mask. Inference has no backward and uses PyTorch's fused softmax with the additive
 * mask (the same function, several passes over the scores fewer).
 */
public final class PreLnEncoderBlock extends AbstractBlock {
    private static final byte VERSION = 1;
    private final int dModel;
    private final int heads;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Linear qkv;
    private final Linear out;
    private final Linear up;
    private final Linear down;
    private final Dropout dropAttention;
    private final Dropout dropMlp;

    public PreLnEncoderBlock(int dModel, int heads, int ffHidden, double dropout) {
        super(VERSION);
        this.dModel = dModel;
        this.heads = heads;
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
        qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dModel).build());
        out = addChildBlock("out", Linear.builder().setUnits(dModel).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
        up = addChildBlock("up", Linear.builder().setUnits(ffHidden).build());
        down = addChildBlock("down", Linear.builder().setUnits(dModel).build());
        dropAttention = addChildBlock("dropAttention", Dropout.builder().optRate((float) dropout).build());
        dropMlp = addChildBlock("dropMlp", Dropout.builder().optRate((float) dropout).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray keyMask = inputs.size() > 1 ? inputs.get(1) : null;
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int dh = dModel / heads;
        NDArray h = norm1.forward(ps, new NDList(x), training).singletonOrThrow();
        NDList parts = qkv.forward(ps, new NDList(h), training).singletonOrThrow().split(3, 2);
        NDArray q = parts.get(0).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
        NDArray k = parts.get(1).reshape(b, t, heads, dh).transpose(0, 2, 3, 1);
        NDArray v = parts.get(2).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
        NDArray weights;
        if (training) {
            weights = maskedSoftmax(q.matMul(k).div(Math.sqrt(dh)), keyMask);
        } else {
            NDArray scores = q.mul((float) (1 / Math.sqrt(dh))).matMul(k);
            weights = (keyMask == null ? scores : scores.add(keyMask.sub(1f).mul(1e9f))).softmax(-1);
        }
        NDArray attended = weights.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, dModel);
        NDList projected = out.forward(ps, new NDList(attended), training);
        x = x.add(dropAttention.forward(ps, projected, training).singletonOrThrow());
        NDArray h2 = norm2.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray ff = Activation.gelu(up.forward(ps, new NDList(h2), training).singletonOrThrow());
        x = x.add(dropMlp.forward(ps, down.forward(ps, new NDList(ff), training), training).singletonOrThrow());
        return new NDList(x);
    }

    /** Softmax over the last axis that multiplies by the 0/1 mask: the form whose backward stays finite. */
    private static NDArray maskedSoftmax(NDArray scores, NDArray keyMask) {
        NDArray shift = scores.max(new int[] {-1}, true).stopGradient();
        NDArray e = scores.sub(shift).exp().mul(keyMask);
        return e.div(e.sum(new int[] {-1}, true));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        norm1.initialize(manager, dataType, x);
        qkv.initialize(manager, dataType, x);
        out.initialize(manager, dataType, x);
        norm2.initialize(manager, dataType, x);
        up.initialize(manager, dataType, x);
        down.initialize(manager, dataType, up.getOutputShapes(new Shape[] {x})[0]);
        dropAttention.initialize(manager, dataType, x);
        dropMlp.initialize(manager, dataType, x);
    }
}
