package dev.ncpl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncpl.text.EncodedConfig;
import java.util.List;

/**
 * Packs encoded configs (and optionally curve queries) into the network's input arrays, padding
 * token sequences to the longest in the batch.
 */
public final class BatchBuilder {
    private BatchBuilder() {}

    /**
     * The inputs for {@code configs}; with {@code queries} non-null (one float[K][Q] per config) also
     * the curve queries.
     */
    public static NDList inputs(NDManager manager, List<EncodedConfig> configs, float[][][] queries) {
        int b = configs.size();
        int t = 0;
        for (EncodedConfig c : configs) {
            t = Math.max(t, c.length());
        }
        long[] ids = new long[b * t];
        float[] nums = new float[b * t];
        float[] numMask = new float[b * t];
        float[] pad = new float[b * t];
        for (int i = 0; i < b; i++) {
            EncodedConfig c = configs.get(i);
            int n = c.length();
            System.arraycopy(c.ids(), 0, ids, i * t, n);
            System.arraycopy(c.numbers(), 0, nums, i * t, n);
            System.arraycopy(c.numberMask(), 0, numMask, i * t, n);
            for (int j = 0; j < n; j++) {
                pad[i * t + j] = 1f;
            }
        }
        Shape s = new Shape(b, t);
        NDList list = new NDList(manager.create(ids, s), manager.create(nums, s), manager.create(numMask, s),
                manager.create(pad, s));
        if (queries != null) {
            int k = queries[0].length;
            int q = queries[0][0].length;
            float[] flat = new float[b * k * q];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < k; j++) {
                    System.arraycopy(queries[i][j], 0, flat, (i * k + j) * q, q);
                }
            }
            NDArray qa = manager.create(flat, new Shape(b, k, q));
            list.add(qa);
        }
        return list;
    }
}
