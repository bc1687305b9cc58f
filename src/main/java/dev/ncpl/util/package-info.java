/**
 * Small tools with no knowledge of runs or models: atomic outputs that never replace what is not ours (AtomicFiles,
 * AtomicLineWriter, OutputTarget, TempFiles), safe file names and terminal text, JSON and CSV, hashes, progress
 * bars.
 *
 * <p>May use: nothing of ncpl.
 */
package dev.ncpl.util;
