package dev.ncpl.train;

import dev.ncpl.model.RunFeatures;

/**
 * One run prepared for training: its features, standardised final-loss residual, and its curve
 * points past the first 5% of training as query features with standardised residual targets.
 */
record TrainingExample(String source, RunFeatures features, double trueFinal, float finalTarget,
                       float[][] curveQueries, float[] curveTargets) {}
