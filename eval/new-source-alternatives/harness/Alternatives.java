import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaFitter;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.Scale;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the alternatives to a new source's correction would predict, for one draw of the new-source study: the
 * parent (a model trained without the source), the parent corrected on the given runs as train --from corrects it
 * (ncpl), and the Chinchilla law fitted on the given runs with the exponents they cannot identify borrowed from the
 * parent's best-identified law (the study's "law"). One TSV row a run:
 * role (G: a given run, S: a scored one), id, observed final loss, parent, ncpl, law, ln N, ln D, ln lr, ln batch
 * tokens. For a given run ncpl and law are leave-one-out: fitted on the other given runs.
 *
 * usage: Alternatives PARENT_DIR SOURCE_RUNS.jsonl GIVEN.jsonl OUT.tsv
 */
public class Alternatives {
    public static void main(String[] a) throws Exception {
        Path parent = Path.of(a[0]);
        List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
        List<Run> given = RunReader.readAll(List.of(Path.of(a[2])));
        Set<String> givenIds = new HashSet<>();
        given.forEach(r -> givenIds.add(r.id()));
        long seed = 18; // the study's seed, which SourceAdaptation is given
        try (BlendedPredictor p = BlendedPredictor.load(parent)) {
            Baseline parentLaws = p.model().baseline();
            ChinchillaFitter fitter = new ChinchillaFitter(parentLaws.law(parentLaws.bestIdentifiedSource()), "parent");
            double[] givenParent = finals(p.predict(given));
            SourceCorrections.Correction correction = SourceCorrections.fit(given, givenParent, seed);
            ChinchillaPredictor law = new ChinchillaPredictor(Baseline.fit(given, fitter));
            // the study scores only what the parent can predict
            List<Run> scored = all.stream().filter(r -> !givenIds.contains(r.id()) && p.canPredict(r)).toList();
            double[] parentFinals = finals(p.predict(scored));
            double[] lawFinals = finals(law.predict(scored));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < scored.size(); i++) {
                Run r = scored.get(i);
                row(out, "S", r, parentFinals[i], parentFinals[i] * Math.exp(correction.logFactor(r, parentFinals[i])),
                        lawFinals[i]);
            }
            double[] looFactors = SourceCorrections.leaveOneOut(given, givenParent, seed);
            for (int i = 0; i < given.size(); i++) {
                List<Run> rest = new ArrayList<>(given);
                Run r = rest.remove(i);
                double looLaw = new ChinchillaPredictor(Baseline.fit(rest, fitter)).predict(List.of(r)).get(0).finalLoss();
                row(out, "G", r, givenParent[i], givenParent[i] * Math.exp(looFactors[i]), looLaw);
            }
            Files.writeString(Path.of(a[3]), out.toString());
        }
    }

    private static double[] finals(List<Prediction> predictions) {
        return predictions.stream().mapToDouble(Prediction::finalLoss).toArray();
    }

    private static void row(StringBuilder out, String role, Run r, double parent, double ncpl, double law) {
        Scale s = Scale.of(r);
        out.append(String.format(Locale.ROOT, "%s\t%s\t%.6f\t%.6f\t%.6f\t%.6f\t%.5f\t%.5f\t%.5f\t%.5f%n", role, r.id(),
                r.curve().finalLoss(), parent, ncpl, law, Math.log(s.params()), Math.log(s.tokens()),
                Math.log(r.number("optimizer.lr").orElse(Double.NaN)),
                Math.log(Scale.batchTokens(r).orElse(Double.NaN))));
    }
}
