/**
 * The documented Java API: {@link dev.ncpl.api.Predictor} loads a model folder and predicts {@link
 * dev.ncpl.api.Config}s into {@link dev.ncpl.api.PredictedRun}s (final loss, curve, interval, band, what lies
 * outside the training range), or finishes runs in progress. The command line uses it for predict.
 *
 * <p>May use: baseline, curve, model, predict, ranking, residual, runs, text, uncertainty, util.
 */
package dev.ncpl.api;
