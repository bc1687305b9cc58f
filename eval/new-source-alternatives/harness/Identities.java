import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A new source's runs predicted under another identity: every run's {@code source} replaced by one the parent
 * knows (or kept: the source it never saw), then corrected on the given runs as train --from corrects. For each
 * random draw of the new-source study (k = 10 and 50) and each identity under which every run can be predicted, one
 * TSV row: k, draw, identity, MAE of the given runs' leave-one-out predictions, MAE on the scored runs, scored runs.
 * Two more rows per draw combine the identities' corrected predictions by their mean in log space: "avg" with equal
 * weights, "avg-loo" with weights exp(−2 · leave-one-out MAE / the smallest).
 *
 * usage: Identities PARENT_DIR SOURCE_RUNS.jsonl STUDY_SOURCE_DIR OUT.tsv
 */
public class Identities {
    public static void main(String[] a) throws Exception {
        List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
        Path work = Path.of(a[2]);
        long seed = 18;
        StringBuilder out = new StringBuilder();
        try (BlendedPredictor p = BlendedPredictor.load(Path.of(a[0]))) {
            List<String> identities = new ArrayList<>();
            identities.add(all.get(0).source());
            identities.addAll(p.model().baseline().sources().keySet());
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < all.size(); i++) {
                index.put(all.get(i).id(), i);
            }
            Map<String, double[]> parentFinals = new LinkedHashMap<>();
            for (String identity : identities) {
                List<Run> renamed = all.stream().map(r -> as(r, identity)).toList();
                try {
                    renamed.forEach(p::checkPredictable);
                } catch (RuntimeException e) {
                    System.err.println(identity + ": not every run can be predicted (" + e.getMessage() + "), skipped");
                    continue;
                }
                parentFinals.put(identity, p.predict(renamed).stream().mapToDouble(Prediction::finalLoss).toArray());
            }
            for (int k : new int[] {10, 50}) {
                for (int d = 0; d < 5; d++) {
                    Path g = work.resolve("random-k" + k + "-d" + d).resolve("given.jsonl");
                    if (Files.isRegularFile(g)) {
                        draw(all, index, RunReader.readAll(List.of(g)), parentFinals, seed, k, d, out);
                    }
                }
            }
        }
        Files.writeString(Path.of(a[3]), out.toString());
    }

    private static void draw(List<Run> all, Map<String, Integer> index, List<Run> given,
                             Map<String, double[]> parentFinals, long seed, int k, int d, StringBuilder out) {
        Set<String> givenIds = new HashSet<>();
        given.forEach(r -> givenIds.add(r.id()));
        Map<String, double[]> corrected = new LinkedHashMap<>();
        Map<String, Double> looMae = new HashMap<>();
        for (var e : parentFinals.entrySet()) {
            String identity = e.getKey();
            double[] f = e.getValue();
            List<Run> renamed = given.stream().map(r -> as(r, identity)).toList();
            double[] gf = given.stream().mapToDouble(r -> f[index.get(r.id())]).toArray();
            SourceCorrections.Correction correction = SourceCorrections.fit(renamed, gf, seed);
            double[] loo = SourceCorrections.leaveOneOut(renamed, gf, seed);
            double looSum = 0;
            for (int i = 0; i < gf.length; i++) {
                looSum += Math.abs(given.get(i).curve().finalLoss() - gf[i] * Math.exp(loo[i]));
            }
            looMae.put(identity, looSum / gf.length);
            double[] c = new double[all.size()];
            for (int i = 0; i < all.size(); i++) {
                Run r = all.get(i);
                if (!givenIds.contains(r.id())) {
                    c[i] = f[i] * Math.exp(correction.logFactor(as(r, identity), f[i]));
                }
            }
            corrected.put(identity, c);
            row(out, k, d, identity, looMae.get(identity), all, givenIds, i -> c[i]);
        }
        double minLoo = looMae.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        for (String mode : new String[] {"avg", "avg-loo"}) {
            Map<String, Double> w = new HashMap<>();
            corrected.keySet().forEach(id -> w.put(id, mode.equals("avg") ? 1 : Math.exp(-2 * looMae.get(id) / minLoo)));
            double total = w.values().stream().mapToDouble(Double::doubleValue).sum();
            row(out, k, d, mode, Double.NaN, all, givenIds, i -> Math.exp(corrected.entrySet().stream()
                    .mapToDouble(e -> w.get(e.getKey()) * Math.log(e.getValue()[i])).sum() / total));
        }
    }

    private static void row(StringBuilder out, int k, int d, String identity, double looMae, List<Run> all,
                            Set<String> givenIds, java.util.function.IntToDoubleFunction predicted) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < all.size(); i++) {
            if (!givenIds.contains(all.get(i).id())) {
                sum += Math.abs(all.get(i).curve().finalLoss() - predicted.applyAsDouble(i));
                n++;
            }
        }
        out.append(String.format(Locale.ROOT, "%d\t%d\t%s\t%.6f\t%.6f\t%d%n", k, d, identity, looMae, sum / n, n));
    }

    private static Run as(Run r, String source) {
        return new Run(r.id(), source, r.split(), r.metric(), r.config(), r.curve());
    }
}
