/**
 * Ranking candidates by predicted loss, or by an end of its interval, streaming (CandidateRanker, RankBy).
 *
 * <p>May use: predict, runs, uncertainty, util.
 */
package dev.ncpl.ranking;
