/**
 * Runs and candidate configs: the run format, streaming validating readers (RunReader, CandidateReader), the
 * physical range of config values (ConfigLimits), model size and token budget (Scale), writing runs.
 *
 * <p>May use: util.
 */
package dev.ncpl.runs;
