import dev.ncpl.runs.Run;
import dev.ncpl.runs.RunReader;
import dev.ncpl.runs.RunWriter;
import dev.ncpl.study.NewSourceDraws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a source's random draws (k = 10 and 50, five each) as the study lays them out, DIR/random-k{k}-d{d}/given.jsonl,
 * for harnesses that read the study's folder (Identities.java) to run on draws of another seed.
 *
 * usage: Draws SOURCE_RUNS.jsonl DIR SEED
 */
public class Draws {
    public static void main(String[] a) throws Exception {
        List<Run> all = RunReader.readAll(List.of(Path.of(a[0])));
        for (int k : new int[] {10, 50}) {
            for (NewSourceDraws.Draw d : NewSourceDraws.random(all.get(0).source(), all, k, 5, Long.parseLong(a[2]))) {
                Path dir = Files.createDirectories(Path.of(a[1], "random-k" + k + "-d" + d.draw()));
                RunWriter.writeAll(dir.resolve("given.jsonl"), d.given());
            }
        }
    }
}
