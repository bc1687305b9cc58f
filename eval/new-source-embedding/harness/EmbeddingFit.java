import ai.djl.ndarray.NDArray;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.NcplNetwork;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.study.NewSourceDraws;
import dev.ncpl.text.ConfigTokenizer;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A new source's identity learnt from its k runs with the network frozen: the embedding row every word the parent never
 * saw is read as ([UNK], which the new source's name and any other new word of its configs become) is moved within
 * the span of the known sources' name embeddings, u + Σ a_j (e_j − u), the coefficients a (one per known source,
 * shared by the ensemble's members) chosen by Nelder–Mead to minimise the variance of the given runs' log errors
 * (their level is the correction's) over that at a = 0, plus λ·|a|². Then the given runs' errors are corrected as
 * train --from corrects. One TSV row per draw of the study's variant (k = 10, 50) and option: k, draw, option (λ; "inf"
 * for a = 0, the shipped path; "id:S" for the network told the runs are source S's), MAE on the scored runs, scored
 * runs, a.
 *
 * usage: EmbeddingFit PARENT_DIR SOURCE_RUNS.jsonl VARIANT(random|smallest-sizes) SEED OPTIONS OUT.tsv
 * (SEED: the draws', 18 for the study's; OPTIONS: "all" for every λ and every known source's name, or a list of λs)
 */
public class EmbeddingFit {
    static final double[] LAMBDAS = {Double.POSITIVE_INFINITY, 1, 0.3, 0.1, 0.03, 0.01};
    /** The seed of the correction's fit, as in the other new-source harnesses (whatever the draws' seed). */
    static final long CORRECTION_SEED = 18;

    public static void main(String[] a) throws Exception {
        List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
        String variant = a[2];
        long seed = Long.parseLong(a[3]);
        boolean names = a[4].equals("all");
        double[] lambdas = names ? LAMBDAS
                : java.util.Arrays.stream(a[4].split(",")).mapToDouble(Double::parseDouble).toArray();
        StringBuilder out = new StringBuilder();
        try (BlendedPredictor p = BlendedPredictor.load(Path.of(a[0]))) {
            Identity identity = new Identity(p.model());
            System.err.println("known source words: " + identity.words);
            String source = all.get(0).source();
            List<NewSourceDraws.Draw> draws = new ArrayList<>();
            for (int k : new int[] {10, 50}) {
                draws.addAll(variant.equals(NewSourceDraws.RANDOM) ? NewSourceDraws.random(source, all, k, 5, seed)
                        : NewSourceDraws.smallestSizes(source, all, k, 5, seed));
            }
            int n = identity.words.size();
            for (NewSourceDraws.Draw draw : draws) {
                for (int option = 0; option < lambdas.length + (names ? n : 0); option++) {
                    double[] coef = new double[n];
                    String label;
                    if (option >= lambdas.length) {
                        coef[option - lambdas.length] = 1;
                        label = "id:" + identity.words.get(option - lambdas.length);
                    } else if (Double.isInfinite(lambdas[option])) {
                        label = "inf";
                    } else {
                        coef = identity.fit(p, draw.given(), lambdas[option]);
                        label = Double.toString(lambdas[option]);
                    }
                    identity.set(coef);
                    StringBuilder cs = new StringBuilder();
                    for (double x : coef) {
                        cs.append(String.format(Locale.ROOT, "%s%.3f", cs.length() == 0 ? "" : ",", x));
                    }
                    String row = String.format(Locale.ROOT, "%d\t%d\t%s\t%.6f\t%d\t%s%n", draw.k(), draw.draw(), label,
                            correctedMae(p, draw), draw.scored().size(), cs);
                    System.err.print(row);
                    out.append(row);
                    identity.set(new double[n]);
                }
            }
        }
        Files.writeString(Path.of(a[5]), out.toString());
    }

    /** The scored runs' MAE once the parent's errors on the given runs are corrected as train --from corrects them. */
    static double correctedMae(BlendedPredictor p, NewSourceDraws.Draw draw) {
        double[] gf = p.predictFinal(draw.given());
        double[] sf = p.predictFinal(draw.scored());
        SourceCorrections.Correction c = SourceCorrections.fit(draw.given(), gf, CORRECTION_SEED);
        double sum = 0;
        for (int i = 0; i < sf.length; i++) {
            Run r = draw.scored().get(i);
            sum += Math.abs(r.curve().finalLoss() - sf[i] * Math.exp(c.logFactor(r, sf[i])));
        }
        return sum / sf.length;
    }

    /** The [UNK] row of each member's token embeddings, movable within the span of the known sources' rows. */
    static final class Identity {
        final List<NDArray> tables = new ArrayList<>();
        final List<float[]> originals = new ArrayList<>();
        final List<String> words = new ArrayList<>();
        final int[] wordIds;
        final int unk;
        final int dim;

        @SuppressWarnings("unchecked")
        Identity(NcplModel model) throws Exception {
            Field f = NcplModel.class.getDeclaredField("members");
            f.setAccessible(true);
            for (NcplNetwork net : (List<NcplNetwork>) f.get(model)) {
                for (var pair : net.getParameters()) {
                    if (pair.getKey().endsWith("tokenEmbedding")) {
                        NDArray t = pair.getValue().getArray();
                        tables.add(t);
                        originals.add(t.toFloatArray());
                    }
                }
            }
            dim = (int) tables.get(0).getShape().get(1);
            Field v = ConfigTokenizer.class.getDeclaredField("vocab");
            v.setAccessible(true);
            Map<String, Integer> vocab = (Map<String, Integer>) v.get(model.tokenizer());
            unk = vocab.get(ConfigTokenizer.UNK);
            List<Integer> ids = new ArrayList<>();
            for (String s : model.baseline().sources().keySet()) {
                String w = s.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", "_");
                if (vocab.containsKey(w)) {
                    words.add(w);
                    ids.add(vocab.get(w));
                }
            }
            wordIds = ids.stream().mapToInt(Integer::intValue).toArray();
        }

        void set(double[] coef) {
            for (int m = 0; m < tables.size(); m++) {
                float[] e = originals.get(m).clone();
                for (int c = 0; c < dim; c++) {
                    double u = e[unk * dim + c];
                    double x = u;
                    for (int j = 0; j < coef.length; j++) {
                        x += coef[j] * (e[wordIds[j] * dim + c] - u);
                    }
                    e[unk * dim + c] = (float) x;
                }
                tables.get(m).set(e);
            }
        }

        double[] fit(BlendedPredictor p, List<Run> given, double lambda) {
            double[] y = given.stream().mapToDouble(r -> Math.log(r.curve().finalLoss())).toArray();
            set(new double[words.size()]);
            double base = demeanedVariance(p.predictFinal(given), y);
            java.util.function.Function<double[], Double> objective = coef -> {
                set(coef);
                double reg = 0;
                for (double x : coef) {
                    reg += x * x;
                }
                return demeanedVariance(p.predictFinal(given), y) / base + lambda * reg;
            };
            return nelderMead(objective, words.size(), 0.5, 400);
        }

        static double demeanedVariance(double[] pred, double[] logY) {
            double[] e = new double[pred.length];
            double mean = 0;
            for (int i = 0; i < e.length; i++) {
                e[i] = Math.log(pred[i]) - logY[i];
                mean += e[i] / e.length;
            }
            double s = 0;
            for (double x : e) {
                s += (x - mean) * (x - mean);
            }
            return s / e.length;
        }
    }

    /** Plain Nelder–Mead from the origin. */
    static double[] nelderMead(java.util.function.Function<double[], Double> f, int n, double step, int maxEvals) {
        double[][] x = new double[n + 1][n];
        double[] fx = new double[n + 1];
        for (int i = 1; i <= n; i++) {
            x[i][i - 1] = step;
        }
        int evals = 0;
        for (int i = 0; i <= n; i++) {
            fx[i] = f.apply(x[i]);
            evals++;
        }
        while (evals < maxEvals) {
            Integer[] order = new Integer[n + 1];
            for (int i = 0; i <= n; i++) {
                order[i] = i;
            }
            final double[] fxx = fx;
            java.util.Arrays.sort(order, (p, q) -> Double.compare(fxx[p], fxx[q]));
            double[][] xs = new double[n + 1][];
            double[] fs = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                xs[i] = x[order[i]];
                fs[i] = fx[order[i]];
            }
            x = xs;
            fx = fs;
            if (fx[n] - fx[0] < 1e-6) {
                break;
            }
            double[] c = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    c[j] += x[i][j] / n;
                }
            }
            double[] r = along(c, x[n], -1);
            double fr = f.apply(r);
            evals++;
            if (fr < fx[0]) {
                double[] e = along(c, x[n], -2);
                double fe = f.apply(e);
                evals++;
                if (fe < fr) {
                    x[n] = e;
                    fx[n] = fe;
                } else {
                    x[n] = r;
                    fx[n] = fr;
                }
            } else if (fr < fx[n - 1]) {
                x[n] = r;
                fx[n] = fr;
            } else {
                double[] k = along(c, x[n], 0.5);
                double fk = f.apply(k);
                evals++;
                if (fk < fx[n]) {
                    x[n] = k;
                    fx[n] = fk;
                } else {
                    for (int i = 1; i <= n; i++) {
                        x[i] = along(x[0], x[i], 0.5);
                        fx[i] = f.apply(x[i]);
                        evals++;
                    }
                }
            }
        }
        int best = 0;
        for (int i = 1; i <= n; i++) {
            if (fx[i] < fx[best]) {
                best = i;
            }
        }
        return x[best];
    }

    /** c + t (p − c). */
    static double[] along(double[] c, double[] p, double t) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i] + t * (p[i] - c[i]);
        }
        return out;
    }
}
