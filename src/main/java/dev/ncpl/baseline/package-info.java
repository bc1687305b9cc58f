/**
 * Scaling laws: the Chinchilla law and its fitter, the law shared across sources, per-source baselines (Baseline),
 * a power law fitted to a curve prefix.
 *
 * <p>May use: math, runs, util.
 */
package dev.ncpl.baseline;
