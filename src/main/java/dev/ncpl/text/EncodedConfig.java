package dev.ncpl.text;

/**
 * A config ready for the network: token ids (starting with [CLS]), and for each position the scaled
 * numeric value and whether the position is a number placeholder.
 */
public record EncodedConfig(long[] ids, float[] numbers, float[] numberMask) {
    public int length() {
        return ids.length;
    }
}
