import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.SourceCorrections;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.study.NewSourceDraws;
import dev.ncpl.train.SourceAdaptation;
import dev.ncpl.uncertainty.IntervalFitter;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * train --from's corrections under several readings of a new source (SourceAdaptation's readAs: "none", as never
 * seen; "sister", as its sister where it has one; or a known source's name), through the product's own adaptation,
 * on the new-source study's draws of one seed: both variants, k = 10 and 50, five draws. One TSV row per draw and
 * reading: variant, k, draw, reading, the source read as ("-": never seen), final-loss MAE on the scored runs, their
 * 80% interval coverage and mean width, scored runs.
 *
 * usage: SisterCheck PARENT_DIR SOURCE_RUNS.jsonl SEED READING[,READING...] OUT.tsv
 */
public class SisterCheck {
    public static void main(String[] a) throws Exception {
        Path parent = Path.of(a[0]);
        List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
        long seed = Long.parseLong(a[2]);
        String source = all.get(0).source();
        Path tmp = Files.createTempDirectory("sister-check");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        StringBuilder out = new StringBuilder();
        for (int k : new int[] {10, 50}) {
            List<NewSourceDraws.Draw> draws = new ArrayList<>(NewSourceDraws.random(source, all, k, 5, seed));
            draws.addAll(NewSourceDraws.smallestSizes(source, all, k, 5, seed));
            for (NewSourceDraws.Draw d : draws) {
                Path given = tmp.resolve(d.variant() + "-k" + k + "-d" + d.draw() + ".jsonl");
                RunWriter.writeAll(given, d.given().stream().map(r -> new Run(r.id(), r.source(), null, r.metric(),
                        r.config(), r.curve())).toList());
                for (String readAs : a[3].split(",")) {
                    Path model = tmp.resolve(d.variant() + "-k" + k + "-d" + d.draw() + "-" + readAs);
                    new SourceAdaptation(parent, 17, quiet, readAs).adapt(List.of(given), model);
                    String donor = SourceCorrections.loadIfPresent(model).sources().get(source).readsAs();
                    try (BlendedPredictor p = BlendedPredictor.load(model)) {
                        List<Prediction> preds = p.predict(d.scored());
                        double mae = 0;
                        for (int i = 0; i < preds.size(); i++) {
                            mae += Math.abs(preds.get(i).finalLoss() - d.scored().get(i).curve().finalLoss());
                        }
                        IntervalFitter.Coverage c = IntervalFitter.coverage(PredictionIntervals.loadIfPresent(model),
                                IntervalFitter.residuals(d.scored(), preds), PredictionIntervals.DEFAULT_LEVEL)
                                .get(PredictionIntervals.POOLED);
                        out.append(String.format(Locale.ROOT, "%s\t%d\t%d\t%s\t%s\t%.6f\t%.4f\t%.5f\t%d%n", d.variant(),
                                k, d.draw(), readAs, donor == null ? "-" : donor, mae / preds.size(),
                                c.finalCoverage(), c.finalWidth(), preds.size()));
                    }
                }
            }
        }
        Files.writeString(Path.of(a[4]), out.toString());
    }
}
