/**
 * The network and its folder: the DJL transformer (NcplNetwork), its features and batches, the trained ensemble on
 * disk (NcplModel) and the rules for writing a model folder (ModelFolder).
 *
 * <p>May use: baseline, runs, text, util.
 */
package dev.ncpl.model;
