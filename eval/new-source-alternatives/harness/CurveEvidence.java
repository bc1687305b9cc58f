import dev.ncpl.baseline.Baseline;
import dev.ncpl.baseline.ChinchillaFitter;
import dev.ncpl.learn.GaussianProcess;
import dev.ncpl.predict.BlendedPredictor;
import dev.ncpl.predict.ChinchillaPredictor;
import dev.ncpl.predict.Prediction;
import dev.ncpl.residual.CurveProfile;
import dev.ncpl.residual.SourceGp;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.Scale;
import dev.ncpl.study.NewSourceDraws;
import dev.ncpl.text.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A new source's correction taught by its runs' curves as well as their final losses: besides each given run's
 * final loss, the points of its curve nearest ½, ¼, … (h halvings) of its schedule join the correction's Gaussian
 * process as the final losses of runs that ended there (tokens seen by then, the warmup's share of those steps, the
 * relative learning rate there, the parent's curve there); with "p", each point's log error less the source's median
 * profile there (CurveProfile, what the corrected curves already add), so that only how a run's mid-run miss differs
 * from the source's usual one teaches the process. Draws made as the new-source study makes them
 * (NewSourceDraws, the seed given), scored on the draw's scored runs. One TSV row per draw and method: variant, k,
 * draw, method (h0: final losses only, which is the correction train --from makes; h1, h2, h1p, h2p; law: the law on
 * the given runs), MAE, runs scored.
 *
 * usage: CurveEvidence PARENT_DIR SOURCE_RUNS.jsonl SEED OUT.tsv
 */
public class CurveEvidence {
    public static void main(String[] a) throws Exception {
        List<Run> all = RunReader.readAll(List.of(Path.of(a[1])));
        long seed = Long.parseLong(a[2]);
        String source = all.get(0).source();
        StringBuilder out = new StringBuilder();
        try (BlendedPredictor p = BlendedPredictor.load(Path.of(a[0]))) {
            // the study scores only what the parent can predict
            List<Run> predictable = all.stream().filter(p::canPredict).toList();
            Map<String, Prediction> parent = new HashMap<>();
            List<Prediction> ps = p.predict(predictable); // curves at each run's own curve steps
            for (int i = 0; i < ps.size(); i++) {
                parent.put(predictable.get(i).id(), ps.get(i));
            }
            Baseline laws = p.model().baseline();
            ChinchillaFitter fitter = new ChinchillaFitter(laws.law(laws.bestIdentifiedSource()), "parent");
            List<NewSourceDraws.Draw> draws = new ArrayList<>();
            for (int k : new int[] {10, 50}) {
                draws.addAll(NewSourceDraws.random(source, predictable, k, 5, seed));
                draws.addAll(NewSourceDraws.smallestSizes(source, predictable, k, 5, seed));
            }
            for (NewSourceDraws.Draw d : draws) {
                List<String> keys = SourceGp.inputKeys(d.given());
                for (String method : new String[] {"h0", "h1", "h2", "h1p", "h2p"}) {
                    GaussianProcess gp = fit(d.given(), parent, keys, method.charAt(1) - '0', method.endsWith("p"));
                    double sum = 0;
                    for (Run r : d.scored()) {
                        double pf = parent.get(r.id()).finalLoss();
                        sum += Math.abs(r.curve().finalLoss() - pf * Math.exp(gp.predict(SourceGp.inputs(r,
                                Scale.of(r), LrSchedule.of(r), keys, List.of(), new double[] {Math.log(pf)}))));
                    }
                    row(out, d, method, sum / d.scored().size());
                }
                List<Prediction> lp = new ChinchillaPredictor(Baseline.fit(d.given(), fitter)).predict(d.scored());
                double sum = 0;
                for (int i = 0; i < lp.size(); i++) {
                    sum += Math.abs(d.scored().get(i).curve().finalLoss() - lp.get(i).finalLoss());
                }
                row(out, d, "law", sum / lp.size());
            }
        }
        Files.writeString(Path.of(a[3]), out.toString());
    }

    /**
     * The correction's process on the given runs' final losses and their curves at {@code halvings} halvings, the
     * curve points less the source's median profile where {@code lessProfile}.
     */
    private static GaussianProcess fit(List<Run> given, Map<String, Prediction> parent, List<String> keys,
                                       int halvings, boolean lessProfile) {
        CurveProfile profile = !lessProfile ? null : CurveProfile.fit(given,
                given.stream().map(r -> parent.get(r.id()).losses()).toList(),
                given.stream().mapToDouble(r -> parent.get(r.id()).finalLoss()).toArray());
        List<double[]> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Run r : given) {
            double pf = parent.get(r.id()).finalLoss();
            xs.add(SourceGp.inputs(r, Scale.of(r), LrSchedule.of(r), keys, List.of(), new double[] {Math.log(pf)}));
            ys.add(Math.log(r.curve().finalLoss() / pf));
        }
        for (Run r : given) {
            LrSchedule schedule = LrSchedule.of(r);
            Scale scale = Scale.of(r);
            double[] steps = r.curve().steps();
            double[] curve = parent.get(r.id()).losses();
            for (int h = 1; h <= halvings; h++) {
                double target = schedule.total() * Math.pow(0.5, h);
                int j = 0;
                for (int m = 1; m < steps.length; m++) {
                    if (Math.abs(steps[m] - target) < Math.abs(steps[j] - target)) {
                        j = m;
                    }
                }
                double step = steps[j];
                if (Math.abs(step - target) > 0.1 * target || step < 2 * schedule.warmup() || !(curve[j] > 0)) {
                    continue;
                }
                double[] x = SourceGp.inputs(r, new Scale(scale.params(), scale.tokens() * step / schedule.total()),
                        schedule, keys, List.of(), new double[] {Math.log(curve[j])});
                x[2] = schedule.warmup() / step; // the warmup's share and the relative lr of a run ending at step
                x[3] = schedule.relativeLr(step);
                xs.add(x);
                ys.add(Math.log(r.curve().loss(j) / curve[j])
                        - (profile != null ? profile.offset(step / schedule.total()) : 0));
            }
        }
        return GaussianProcess.fit(xs, ys.stream().mapToDouble(Double::doubleValue).toArray(), 18);
    }

    private static void row(StringBuilder out, NewSourceDraws.Draw d, String method, double mae) {
        out.append(String.format(Locale.ROOT, "%s\t%d\t%d\t%s\t%.6f\t%d%n", d.variant(), d.k(), d.draw(), method, mae,
                d.scored().size()));
    }
}
