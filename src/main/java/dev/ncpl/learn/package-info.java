/**
 * General learners on plain arrays, with no knowledge of runs: gradient-boosted trees and Gaussian processes.
 *
 * <p>May use: math.
 */
package dev.ncpl.learn;
