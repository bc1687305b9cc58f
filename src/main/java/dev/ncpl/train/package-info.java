/**
 * Training a predictor from a recipe (PredictorTrainer, Recipe), fine-tuning from a parent, and the one path that
 * fits the models beside a network (PosthocFitter).
 *
 * <p>May use: baseline, curve, eval, math, model, predict, residual, runs, text, uncertainty, util.
 */
package dev.ncpl.train;
