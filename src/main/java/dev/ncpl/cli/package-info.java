/**
 * The command line (picocli): parses, calls, formats; no modelling of its own.
 *
 * <p>May use: every package.
 */
package dev.ncpl.cli;
