package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How the blend takes the curve models' opinions into its curves. */
class CurveBlendTest {
    @Test
    void aShapeCurveBelowTheFinalLossOrFarFromTheNetworksIsNotBelieved() {
        double[] network = {3.6, 3.3, 3.1, 3.0};
        // NaN before the share of training the shape learnt from is not held against it
        assertTrue(BlendedPredictor.plausible(new double[] {Double.NaN, 3.25, 3.12, 3.0}, network, 3.0));
        assertTrue(BlendedPredictor.plausible(new double[] {Double.NaN, 3.25, 2.95, 3.0}, network, 3.0),
                "1.7% below the final loss: within what the shared runs showed");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, 2.7, 2.8, 3.0}, network, 3.0),
                "10% below the final loss mid-run");
        assertTrue(!BlendedPredictor.plausible(new double[] {408.0, 99.0, 3.2, 3.0}, network, 3.0),
                "a hundred times the network's curve");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, 0.0, 3.1, 3.0}, network, 3.0), "a zero loss");
        assertTrue(!BlendedPredictor.plausible(new double[] {3.5, Double.POSITIVE_INFINITY, 3.1, 3.0}, network, 3.0));
    }


    @Test
    void theProcessCarriesItsWeightAndEarlierPointsFollowContinuously() {
        double[] steps = {0, 50, 100, 200};
        double[] losses = {11.0, 3.5, 3.2, 3.0};
        BlendedPredictor.withCurveGp(steps, losses, new double[] {Double.NaN, Double.NaN, 3.4, 3.0});
        double blended = Math.pow(3.2, 1 - BlendedPredictor.CURVE_GP_WEIGHT) * Math.pow(3.4, BlendedPredictor.CURVE_GP_WEIGHT);
        assertEquals(blended, losses[2], 1e-12);
        assertEquals(3.0, losses[3], 1e-12);
        assertEquals(11.0, losses[0], 0.0, "the untrained model's loss stays the network's");
        assertEquals(3.5 * Math.sqrt(blended / 3.2), losses[1], 1e-12, "half way to the first point: half the move in log");
    }

}
