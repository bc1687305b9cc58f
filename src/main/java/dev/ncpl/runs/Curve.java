package dev.ncpl.runs;

import java.util.Arrays;

/**
 * A loss curve: strictly increasing steps and the loss logged at each. The last point is the final
 * loss. Arrays are copied on the way in, so a curve is immutable.
 */
public final class Curve {
    private final double[] steps;
    private final double[] losses;

    public Curve(double[] steps, double[] losses) {
        if (steps.length != losses.length) {
            throw new IllegalArgumentException("steps and losses differ in length");
        }
        this.steps = steps.clone();
        this.losses = losses.clone();
    }

    public int size() {
        return steps.length;
    }

    public boolean isEmpty() {
        return steps.length == 0;
    }

    public double step(int i) {
        return steps[i];
    }

    public double loss(int i) {
        return losses[i];
    }

    public double[] steps() {
        return steps.clone();
    }

    public double[] losses() {
        return losses.clone();
    }

    /** The loss at the last logged step. */
    public double finalLoss() {
        return losses[losses.length - 1];
    }

    public double lastStep() {
        return steps[steps.length - 1];
    }

    /** The points whose step is at most {@code maxStep}. */
    public Curve prefix(double maxStep) {
        int n = 0;
        while (n < steps.length && steps[n] <= maxStep) {
            n++;
        }
        return new Curve(Arrays.copyOf(steps, n), Arrays.copyOf(losses, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Curve c && Arrays.equals(steps, c.steps) && Arrays.equals(losses, c.losses);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(steps) + Arrays.hashCode(losses);
    }
}
