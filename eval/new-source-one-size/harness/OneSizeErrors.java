import dev.ncpl.predict.*; import dev.ncpl.residual.*; import dev.ncpl.runs.*; import dev.ncpl.math.Stats;
import java.nio.file.*; import java.util.*;
/**
 * The errors beyond the given runs of a source adapted to by train --from, relative to the in-range error: the
 * parent (a model trained without the source) is corrected on the given runs as SourceAdaptation corrects it, and
 * every other run of the source is predicted. One TSV row a run: id, ln distance beyond the given runs' sizes and
 * budgets (TrainingRange), |log error| / the 80% quantile of the given runs' leave-one-out |log errors|, ln distance
 * in size alone, that quantile, 1 if the run is of the source's largest size, the number of sizes given, |error|.
 *
 * usage: OneSizeErrors PARENT_DIR SOURCE_RUNS.jsonl GIVEN.jsonl OUT.tsv
 */
public class OneSizeErrors { public static void main(String[] a) throws Exception {
  Path parent = Path.of(a[0]); List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
  List<Run> given = RunReader.readAll(List.of(Path.of(a[2])));
  Set<String> gid = new HashSet<>(); given.forEach(r -> gid.add(r.id()));
  long seed = 18;
  try (BlendedPredictor p = BlendedPredictor.load(parent)) {
    double[] gf = p.predict(given).stream().mapToDouble(Prediction::finalLoss).toArray();
    double[] loo = SourceCorrections.leaveOneOut(given, gf, seed);
    double[] le = new double[given.size()];
    for (int i=0;i<le.length;i++) le[i]=Math.abs(Math.log(given.get(i).curve().finalLoss()/gf[i])-loo[i]);
    double base = Stats.quantile(le, 0.8);
    SourceCorrections.Correction c = SourceCorrections.fit(given, gf, seed);
    TrainingRange range = TrainingRange.of(given);
    List<Run> scored = new ArrayList<>();
    double maxN = 0;
    for (Run r : all) { if (gid.contains(r.id()) || !p.canPredict(r)) continue; scored.add(r); maxN=Math.max(maxN, Scale.of(r).params()); }
    double[] pf = p.predict(scored).stream().mapToDouble(Prediction::finalLoss).toArray();
    StringBuilder sb = new StringBuilder();
    long sizes = given.stream().map(r -> Math.round(Math.log(Scale.of(r).params())*1000)).distinct().count();
    for (int i=0;i<scored.size();i++){ Run r=scored.get(i); double obs=r.curve().finalLoss(); double lf=c.logFactor(r, pf[i]);
      double err = Math.log(obs/pf[i])-lf;
      sb.append(String.format(Locale.ROOT, "%s\t%.4f\t%.4f\t%.4f\t%.5f\t%d\t%d\t%.5f%n", r.id(), range.distance(r), Math.abs(err)/base, range.paramsOutside(r), base, Scale.of(r).params()==maxN?1:0, sizes, Math.abs(obs-pf[i]*Math.exp(lf))));
    }
    Files.writeString(Path.of(a[3]), sb.toString());
  }
}}
