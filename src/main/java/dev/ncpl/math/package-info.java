/**
 * Numerical routines: Cholesky factorization and solves, L-BFGS minimization.
 *
 * <p>May use: nothing of ncpl.
 */
package dev.ncpl.math;
