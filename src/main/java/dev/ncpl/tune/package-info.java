/**
 * Hyperparameter search over any objective: search spaces, budgets, consistent candidates and the quasi-random
 * search with successive halving (Tuner).
 *
 * <p>May use: runs, util.
 */
package dev.ncpl.tune;
