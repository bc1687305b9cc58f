/**
 * Per-source second opinions on the final loss, fitted on the residual over the source's law: bagged boosted trees
 * or a Gaussian process (ResidualModels, SourceGp), and a source's training range (TrainingRange).
 *
 * <p>May use: baseline, learn, math, runs, text, util.
 */
package dev.ncpl.residual;
