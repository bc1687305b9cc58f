package dev.ncpl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import dev.ncpl.text.EncodedConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The network's inference form (value embeddings computed at the number placeholders only, no
 * attention mask when nothing is padded) must compute the same function as the form training
 * differentiates (embeddings at every position, masked softmax).
 */
class NcplNetworkTest {
    private static final ModelConfig CONFIG = new ModelConfig(40, 64, 32, 4, 2, 64, 32, 6, 0.0);

    @Test
    void inferenceFormMatchesTheTrainingFormWithAndWithoutPadding() {
        Random rnd = new Random(3);
        List<EncodedConfig> sameLength = List.of(config(rnd, 17), config(rnd, 17), config(rnd, 17));
        List<EncodedConfig> padded = List.of(config(rnd, 17), config(rnd, 9), config(rnd, 13));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            NcplNetwork net = new NcplNetwork(CONFIG);
            net.setInitializer(new NormalInitializer(0.5f), ai.djl.nn.Parameter.Type.WEIGHT);
            net.initialize(manager, DataType.FLOAT32, new Shape(3, 17), new Shape(3, 17), new Shape(3, 17),
                    new Shape(3, 17), new Shape(3, 5, 6));
            for (List<EncodedConfig> batch : List.of(sameLength, padded)) {
                float[][] queries = new float[batch.size() * 5][6];
                for (float[] q : queries) {
                    for (int j = 0; j < q.length; j++) {
                        q[j] = (float) rnd.nextGaussian();
                    }
                }
                float[][][] perConfig = new float[batch.size()][][];
                for (int i = 0; i < batch.size(); i++) {
                    perConfig[i] = java.util.Arrays.copyOfRange(queries, i * 5, i * 5 + 5);
                }
                try (NDManager sub = manager.newSubManager()) {
                    NDList inputs = BatchBuilder.inputs(sub, batch, perConfig);
                    // dropout is 0, so training mode differs from inference in its code path only
                    float[] trainedFinal = net.forward(new ParameterStore(sub, false), inputs, true).get(0).toFloatArray();
                    NDList inferred = net.forward(new ParameterStore(sub, false), inputs, false);
                    float[] trainedCurve = net.forward(new ParameterStore(sub, false), inputs, true).get(1).toFloatArray();
                    assertClose(trainedFinal, inferred.get(0).toFloatArray());
                    assertClose(trainedCurve, inferred.get(1).toFloatArray());
                }
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double spread = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])), "output " + i);
            spread = Math.max(spread, Math.abs(expected[i] - expected[0]));
        }
        assertTrue(spread > 1e-3, "the outputs must differ between configs for the comparison to mean anything");
    }

    /** [CLS] (id 2), then key, placeholder pairs and plain tokens; about one position in three a number. */
    private static EncodedConfig config(Random rnd, int length) {
        long[] ids = new long[length];
        float[] numbers = new float[length];
        float[] mask = new float[length];
        ids[0] = 2;
        for (int p = 1; p < length; p++) {
            if (p % 3 == 2) {
                ids[p] = 3;
                numbers[p] = (float) rnd.nextGaussian();
                mask[p] = 1;
            } else {
                ids[p] = 4 + rnd.nextInt(36);
            }
        }
        return new EncodedConfig(ids, numbers, mask);
    }
}
