package dev.ncpl.train;

import ai.djl.training.tracker.Tracker;

/**
 * The learning rate of the current training stage: linear warmup, then cosine decay to 5% of the
 * peak. Driven by the trainer's own step counter (not the optimizer's), so a resumed training
 * follows the same schedule.
 */
final class StageSchedule implements Tracker {
    private double peak;
    private long warmup;
    private long total;
    private long step;

    void start(double peakLr, long warmupSteps, long totalSteps) {
        this.peak = peakLr;
        this.warmup = Math.max(0, warmupSteps);
        this.total = Math.max(1, totalSteps);
        this.step = 0;
    }

    void setStep(long stepInStage) {
        this.step = stepInStage;
    }

    double current() {
        if (step < warmup) {
            return peak * (step + 1) / (warmup + 1);
        }
        double p = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
        double floor = 0.05 * peak;
        return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
    }

    @Override
    public float getNewValue(int numUpdate) {
        return (float) current();
    }
}
