package dev.ncpl.cli;

import dev.ncpl.eval.Protocol;
import dev.ncpl.model.ModelManifest;
import dev.ncpl.model.NcplModel;
import dev.ncpl.model.Provenance;
import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.util.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The runs a trained model was made from, found again from its provenance: the protocol and seed it
 * was trained under and the run files of the command line. Used by the commands that fit the parts of a
 * model that sit beside the network (observed-prefix model, prediction intervals).
 *
 * @param protocol the protocol the model was trained under
 * @param seededInVal whether sources without in_val runs had a seeded one held out (recorded since it exists)
 * @param seed the training seed
 * @param all every run of the files
 * @param files the run files read
 */
record ModelData(Protocol protocol, boolean seededInVal, long seed, List<Run> all, List<Path> files) {
    static ModelData of(Path modelDir, DataOptions data) throws IOException {
        if (java.nio.file.Files.isRegularFile(dev.ncpl.bundle.ModelFile.CORRECTIONS.in(modelDir))) {
            throw new IllegalArgumentException(modelDir + ": adapted to new sources without training ("
                    + dev.ncpl.bundle.ModelFile.CORRECTIONS.fileName() + "): its models were fitted on its parent's "
                    + "runs; refit or calibrate the parent, then adapt it again with train --from");
        }
        ModelManifest manifest = Json.read(modelDir.resolve(NcplModel.MANIFEST), ModelManifest.class);
        Provenance prov = manifest.provenance();
        Protocol protocol = Protocol.parse(prov.protocol() == null ? "in_val" : prov.protocol());
        List<Path> files = data.filesOf(List.of(modelDir), DataOptions.EVERY_SOURCE);
        List<Run> all = RunReader.readAll(files);
        ModelData md = new ModelData(protocol, prov.seededValidation(), prov.seed(), all, List.copyOf(files));
        if (prov.trainingRuns() != md.training().size()) {
            System.err.printf(Locale.ROOT, "warning: the model was trained on %d runs, these files give %d%n",
                    prov.trainingRuns(), md.training().size());
        }
        return md;
    }

    /** The runs the model learnt from. */
    List<Run> training() {
        return protocol.training(all, seededInVal);
    }

    /** The held-out runs it was early-stopped on. */
    List<Run> validation() {
        return protocol.validation(all, seededInVal);
    }

    /** The runs the protocol scores on, held out as the model's training held them out. */
    List<Run> evaluation() {
        return protocol.evaluation(all, seededInVal);
    }
}
