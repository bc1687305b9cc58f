package dev.ncpl.model;

/**
 * Standardisation of the regression targets (residuals over the Chinchilla baseline), computed on
 * the training runs and saved with the model.
 */
public record TargetStats(double finalMean, double finalStd, double curveMean, double curveStd) {}
