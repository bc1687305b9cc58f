package dev.ncpl.model;

/**
 * Shape of the network.
 *
 * @param vocabularySize tokenizer vocabulary size
 * @param maxLength longest token sequence (positions learned)
 * @param dModel width of the encoder
 * @param heads attention heads
 * @param layers encoder blocks
 * @param ffHidden hidden width of each block's MLP
 * @param headHidden hidden width of the final-loss and curve heads
 * @param queryFeatures features describing a position in the run, for the curve head
 * @param dropout dropout rate on each block's attention and MLP outputs and on the pooled config
 */
public record ModelConfig(int vocabularySize, int maxLength, int dModel, int heads, int layers, int ffHidden,
                          int headHidden, int queryFeatures, double dropout) {
    public ModelConfig {
        if (dModel % heads != 0) {
            throw new IllegalArgumentException("d_model " + dModel + " is not divisible by " + heads + " heads");
        }
    }
}
