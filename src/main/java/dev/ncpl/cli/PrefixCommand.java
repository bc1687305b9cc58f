package dev.ncpl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncpl.baseline.Baseline;
import dev.ncpl.eval.Protocol;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.predict.PrefixConditioner;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.util.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ncpl prefix}: fits (again) the observed-prefix model of a trained predictor on the runs it was
 * trained on, for models trained before training did so itself. Takes seconds.
 */
@Command(name = "prefix", mixinStandardHelpOptions = true,
        description = "Fit the observed-prefix model (predict --condition-on-curve) of a trained predictor on the "
                + "training runs of its protocol, and write prefix.json into the model folder. Training does this "
                + "itself; use it for models trained before.")
public final class PrefixCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOption model = new ModelOption();

    @Override
    public Integer call() throws Exception {
        ModelManifest manifest = Json.read(model.model.resolve(NcplModel.MANIFEST), ModelManifest.class);
        JsonNode prov = manifest.provenance();
        Protocol protocol = Protocol.parse(prov.path("protocol").asText("in_val"));
        long seed = prov.path("seed").asLong(0);
        List<Run> train = protocol.training(RunReader.readAll(data.files("marin.jsonl", "steplaw.jsonl", "openlm.jsonl")));
        if (prov.has("training_runs") && prov.get("training_runs").asInt() != train.size()) {
            System.err.printf(Locale.ROOT, "warning: the model was trained on %d runs, these files give %d%n",
                    prov.get("training_runs").asInt(), train.size());
        }
        Baseline baseline = Baseline.load(model.model.resolve(NcplModel.BASELINE));
        PrefixConditioner fitted = PrefixConditioner.fit(train, baseline, seed);
        Path file = model.model.resolve(PrefixConditioner.FILE);
        fitted.save(file);
        fitted.laws().forEach((source, law) -> System.out.printf(Locale.ROOT, "%-8s %6d training cuts, %d weights%n",
                source, law.rows(), law.weights().length));
        System.out.println("wrote " + file);
        return 0;
    }
}
