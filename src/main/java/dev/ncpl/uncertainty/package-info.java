/**
 * Prediction intervals and curve bands: normalized split conformal intervals per source (PredictionIntervals,
 * fitted by IntervalFitter) and those of runs in progress (ConditionedIntervals).
 *
 * <p>May use: baseline, curve, predict, residual, runs, util.
 */
package dev.ncpl.uncertainty;
