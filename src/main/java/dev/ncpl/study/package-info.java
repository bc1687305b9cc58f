/**
 * Studies that train models as part of measuring them: the new-source protocol (NewSourceStudy), in which a model
 * trained without a source is given k of its runs and predicts the rest, beside the law fitted on the same k runs.
 *
 * <p>May use: baseline, eval, learn, math, model, predict, residual, runs, text, train, uncertainty, util.
 */
package dev.ncpl.study;
