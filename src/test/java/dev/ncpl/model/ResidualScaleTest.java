package dev.ncpl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.baseline.ChinchillaLaw;
import dev.ncpl.train.Recipe;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResidualScaleTest {
    private static final ChinchillaLaw LAW = new ChinchillaLaw(2.5, 380, 7100, 0.35, 0.44);

    @Test
    void dataTermIsTheLawsDataTermAndNoneIsLossUnits() {
        assertEquals(1.0, ResidualScale.NONE.unit(LAW, 2.7e9), 0.0);
        assertEquals(7100 / Math.pow(2.7e9, 0.44), ResidualScale.DATA_TERM.unit(LAW, 2.7e9), 1e-12);
        // a quarter of the tokens: the unit grows by 4^β, so a constant residual r means a larger loss gap
        assertEquals(Math.pow(4, 0.44), ResidualScale.DATA_TERM.unit(LAW, 2.7e9) / ResidualScale.DATA_TERM.unit(LAW, 1.08e10),
                1e-9);
        ChinchillaLaw noDataTerm = new ChinchillaLaw(2.0, 400, 0, 0.3, 0.3);
        assertEquals(ResidualScale.FLOOR, ResidualScale.DATA_TERM.unit(noDataTerm, 1e10), 0.0);
    }

    @Test
    void residualsRoundTripInEitherUnit() {
        for (ResidualScale s : ResidualScale.values()) {
            RunFeatures f = new RunFeatures("r", null, 1.3e8, 2.7e9, 5.2e5, LAW, null, s.unit(LAW, 2.7e9), List.of());
            assertEquals(3.41, f.finalLoss(f.finalResidual(3.41)), 1e-12);
            assertEquals(f.baselineFinal() + f.finalUnit() * 0.25, f.finalLoss(0.25), 1e-12);
        }
    }

    @Test
    void namesParseAndUnknownOnesAreRefusedByTheRecipe() {
        assertEquals(ResidualScale.NONE, ResidualScale.of(null));
        assertEquals(ResidualScale.DATA_TERM, ResidualScale.of("data_term"));
        assertEquals("data_term", ResidualScale.DATA_TERM.id());
        Recipe bad = new Recipe("r", "d", "in_val", List.of(), 1, 1, new Recipe.Network(16, 2, 1, 32, 32, 0.0), 8, 4,
                0.5, 1.0, 0.0, 5, List.of(new Recipe.Stage("s", List.of(), 1, 0.001, 0.0)), "data");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(write(bad)));
        assertTrue(e.getMessage().contains("residual_scale") && e.getMessage().contains("'data'"), e.getMessage());
        Recipe badExtra = new Recipe("r", "d", "in_val", List.of(), 1, 1, bad.model(), 8, 4, 0.5, 1.0, 0.0, 5,
                bad.stages(), null, List.of("lr_times_wd"));
        e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(write(badExtra)));
        assertTrue(e.getMessage().contains("derived_extras") && e.getMessage().contains("'lr_times_wd'"), e.getMessage());
    }

    private static java.nio.file.Path write(Recipe r) {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("recipe", ".json");
            f.toFile().deleteOnExit();
            dev.ncpl.util.Json.MAPPER.writeValue(f.toFile(), r);
            return f;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
