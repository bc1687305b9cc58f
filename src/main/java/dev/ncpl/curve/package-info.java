/**
 * Models of the loss curve beside the network: runs in progress (PrefixConditioner), the curve shape drawn back
 * from the final loss and its Gaussian process (CurveShape, CurveGp), fitted together (CurveModels).
 *
 * <p>May use: baseline, learn, math, residual, runs, text, util.
 */
package dev.ncpl.curve;
