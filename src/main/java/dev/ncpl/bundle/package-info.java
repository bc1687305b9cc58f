/**
 * The model folder's files: their names and format versions ({@link dev.ncpl.bundle.ModelFile}), and the reading,
 * writing and migration of the JSON ones in one place ({@link dev.ncpl.bundle.ModelFiles}). Uses only {@code
 * settings} and {@code util}; every package that saves or loads a part of a model may use it.
 */
package dev.ncpl.bundle;
