/**
 * Evaluation: protocols that hold data out (Protocol), metrics, reports with plots, the tuning-regret study.
 *
 * <p>May use: baseline, curve, math, predict, runs, uncertainty, util.
 */
package dev.ncpl.eval;
