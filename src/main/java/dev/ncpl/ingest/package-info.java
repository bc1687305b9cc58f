/**
 * Importing training logs (HuggingFace Trainer, CSV exports, MLflow, TensorBoard) into the run format, confined to
 * the folders given.
 *
 * <p>May use: runs, text, util.
 */
package dev.ncpl.ingest;
