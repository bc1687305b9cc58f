/**
 * Predictors: the blend of the network with the residual and curve models (BlendedPredictor), the Chinchilla and
 * power-law baselines, runs in progress (ConditionedPredictor), prediction steps and batching.
 *
 * <p>May use: baseline, curve, math, model, residual, runs, text, util.
 */
package dev.ncpl.predict;
