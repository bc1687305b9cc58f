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

    /** Step Law's sparse shape (16 layers of d_model 1,408, the first dense, experts of width 352) with {@code fields}. */
    private static Run stepLawMoe(String fields) throws Exception {
        return run("{\"model\":{\"n_layers\":16,\"d_model\":1408,\"dense_layers\":1,\"d_ff\":3904,\"expert_d_ff\":352,"
                + fields + "},\"data\":{\"tokens_total\":4e9}}");
    }

    private static final String TOP1 = "\"experts\":89,\"experts_per_token\":1";
    private static final String TOP2 = "\"experts\":88,\"experts_per_token\":2,\"shared_expert_d_ff\":704";

    /**
     * Step Law's sparse MoE configs, counted by hand: 16 layers of d_model 1,408, the first dense (d_ff 3,904), 15
     * of experts of width 352 with a shared expert, gated FFNs. 89 experts top-1 with a shared expert of 352:
     * 16·4·1408² + 3·1408·3904 + 15·3·1408·(352 + 352) = 187,973,632, the published active count; 88 experts
     * top-2 with a shared expert of 704: 232,579,072.
     */
    @Test
    void derivesActiveParamsOfAMixtureOfExperts() throws Exception {
        assertEquals(187_973_632.0, Scale.of(stepLawMoe(TOP1 + ",\"shared_expert_d_ff\":352")).params());
        assertEquals(232_579_072.0, Scale.of(stepLawMoe(TOP2)).params());
        // params_active as given wins over the count; without it and without the expert width, N is refused by name
        assertEquals(5e8, Scale.of(stepLawMoe(TOP1 + ",\"params_active\":5e8")).params());
        Run missing = run("{\"model\":{\"n_layers\":16,\"d_model\":1408,\"experts\":89,\"experts_per_token\":1},"
                + "\"data\":{\"tokens_total\":4e9}}");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> Scale.of(missing));
        assertTrue(e.getMessage().contains("mixture of experts") && e.getMessage().contains("model.expert_d_ff"),
                e.getMessage());
    }

    /**
     * The total of Step Law's sparse configs, counted by hand: the active count with every routed expert in place of
     * the top k, 16·4·1408² + 3·1408·3904 + 15·3·1408·(89·352 + 352) = 2,150,612,992 (the published params_total), and
     * the same for 88 experts with a shared expert of 704; a dense config's total is its N.
     */
    @Test
    void derivesTotalParamsOfAMixtureOfExperts() throws Exception {
        assertEquals(2_150_612_992.0, Scale.totalParams(stepLawMoe(TOP1 + ",\"shared_expert_d_ff\":352")).orElseThrow());
        assertEquals(2_150_612_992.0, Scale.totalParams(stepLawMoe(TOP2)).orElseThrow());
        assertEquals(3e9, Scale.totalParams(stepLawMoe(TOP1 + ",\"params_total\":3e9")).orElseThrow());
        Run dense = run("{\"model\":{\"non_embedding_params\":123},\"data\":{\"tokens_total\":4e9}}");
        assertEquals(123.0, Scale.totalParams(dense).orElseThrow());
        // a dense sweep's params_total counts its embeddings: its total is still N, so it is no mixture
        Run denseWithEmbeddings = run("{\"model\":{\"non_embedding_params\":123,\"params_total\":150},"
                + "\"data\":{\"tokens_total\":4e9}}");
        assertEquals(123.0, Scale.totalParams(denseWithEmbeddings).orElseThrow());
        assertTrue(!Scale.isMixture(denseWithEmbeddings) && Scale.isMixture(stepLawMoe(TOP2)));
        // a total below the active count is refused by name
        Run inverted = stepLawMoe(TOP1 + ",\"params_active\":5e8,\"params_total\":4e8");
        InvalidRunException e = assertThrows(InvalidRunException.class, () -> Scale.of(inverted));
        assertEquals("model.params_total", e.field());
        assertTrue(e.getMessage().contains("at least its active ones"), e.getMessage());
        Run noWidth = run("{\"model\":{\"n_layers\":16,\"d_model\":1408,\"experts\":89,\"experts_per_token\":1,"
                + "\"params_active\":5e8},\"data\":{\"tokens_total\":4e9}}");
        assertTrue(Scale.totalParams(noWidth).isEmpty());
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
