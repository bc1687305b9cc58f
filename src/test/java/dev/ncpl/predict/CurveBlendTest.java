package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.settings.PosthocSettings;
import org.junit.jupiter.api.Test;

/** How the blend takes the curve models' opinions into its curves. */
class CurveBlendTest {
    private static final PosthocSettings.Blend BLEND = PosthocSettings.DEFAULTS.blend();

    @Test
    void aShapeCurveBelowTheFinalLossOrFarFromTheNetworksIsNotBelieved() {
        assertEquals(0.05, BLEND.maxShapeDip());
        assertEquals(2.0, BLEND.maxShapeRatio());
        double[] network = {3.6, 3.3, 3.1, 3.0};
        // NaN before the share of training the shape learnt from is not held against it
        assertTrue(BlendedPredictor.plausible(new double[] {Double.NaN, 3.25, 3.12, 3.0}, network, 3.0, BLEND));
        assertTrue(BlendedPredictor.plausible(new double[] {Double.NaN, 3.25, 2.95, 3.0}, network, 3.0, BLEND),
                "1.7% below the final loss: within what the shared runs showed");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, 2.7, 2.8, 3.0}, network, 3.0, BLEND),
                "10% below the final loss mid-run");
        assertTrue(!BlendedPredictor.plausible(new double[] {408.0, 99.0, 3.2, 3.0}, network, 3.0, BLEND),
                "a hundred times the network's curve");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, 0.0, 3.1, 3.0}, network, 3.0, BLEND), "a zero loss");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, Double.POSITIVE_INFINITY, 3.1, 3.0}, network, 3.0, BLEND));
    }


    @Test
    void theProcessCarriesItsWeightAndEarlierPointsFollowContinuously() {
        double[] steps = {0, 50, 100, 200};
        double[] losses = {11.0, 3.5, 3.2, 3.0};
        double weight = 0.8;
        BlendedPredictor.withCurveGp(steps, losses, new double[] {Double.NaN, Double.NaN, 3.4, 3.0}, weight);
        double blended = Math.pow(3.2, 1 - weight) * Math.pow(3.4, weight);
        assertEquals(blended, losses[2], 1e-12);
        assertEquals(3.0, losses[3], 1e-12);
        assertEquals(11.0, losses[0], 0.0, "the untrained model's loss stays the network's");
        assertEquals(3.5 * Math.sqrt(blended / 3.2), losses[1], 1e-12, "half way to the first point: half the move in log");
    }

}
