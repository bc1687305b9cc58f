package dev.ncpl.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncpl.util.Json;
import org.junit.jupiter.api.Test;

class ScaleTest {
    private static Run run(String configJson) throws Exception {
        return new Run("r1", "s", "", "", (ObjectNode) Json.MAPPER.readTree(configJson),
                new Curve(new double[0], new double[0]));
    }

    @Test
    void derivesGatedFfnParams() throws Exception {
        // Step Law's 268M shape: 8 * (4*1024^2 + 3*1024*9552) = 268,304,384
        Run r = run("{\"model\":{\"n_layers\":8,\"d_model\":1024,\"d_ff\":9552,\"activation\":\"swiglu\"},"
                + "\"data\":{\"tokens_total\":1e9}}");
        assertEquals(268_304_384.0, Scale.of(r).params());
    }

    @Test
    void derivesPlainFfnParamsAndTokensFromSteps() throws Exception {
        Run r = run("{\"model\":{\"n_layers\":2,\"d_model\":100,\"d_ff\":400,\"activation\":\"gelu\"},"
                + "\"data\":{\"batch_size\":8,\"seq_len\":1024},\"schedule\":{\"total_steps\":1000}}");
        Scale s = Scale.of(r);
        assertEquals(2 * (4 * 100.0 * 100 + 2 * 100.0 * 400), s.params());
        assertEquals(1000.0 * 8 * 1024, s.tokens());
    }

    @Test
    void givenValuesWin() throws Exception {
        Run r = run("{\"model\":{\"non_embedding_params\":123,\"n_layers\":2,\"d_model\":100,\"d_ff\":400,"
                + "\"activation\":\"gelu\"},\"data\":{\"tokens_total\":456,\"batch_tokens\":7},"
                + "\"schedule\":{\"total_steps\":1000}}");
        assertEquals(new Scale(123, 456), Scale.of(r));
    }

    @Test
    void unknownFfnKindIsNotGuessed() throws Exception {
        Run r = run("{\"model\":{\"n_layers\":2,\"d_model\":100,\"d_ff\":400},\"data\":{\"tokens_total\":1e9}}");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> Scale.of(r));
        assertEquals("model.non_embedding_params", e.field());
        assertTrue(e.getMessage().startsWith("r1: field 'model.non_embedding_params': cannot determine N"), e.getMessage());
    }

    @Test
    void missingTokensAreReportedById() throws Exception {
        Run r = run("{\"model\":{\"non_embedding_params\":5},\"schedule\":{\"total_steps\":10}}");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> Scale.of(r));
        assertEquals("data.tokens_total", e.field());
        assertTrue(e.getMessage().startsWith("r1: field 'data.tokens_total': cannot determine D"), e.getMessage());
    }
}
