package dev.ncpl.cli;

import dev.ncpl.ranking.RankBy;
import dev.ncpl.uncertainty.PredictionIntervals;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --rank} and {@code --level} options of the commands that rank candidates. */
final class RankOptions {
    @Option(names = "--rank", paramLabel = "mean|lcb|ucb", defaultValue = "mean", converter = RankByConverter.class,
            description = "Rank by the predicted final loss (mean), by the lower end of its prediction interval (lcb: "
                    + "optimistic, favours what the model is unsure of) or by its upper end (ucb: conservative). "
                    + "Default: ${DEFAULT-VALUE}.")
    RankBy rank;

    @Option(names = "--level", paramLabel = "P", defaultValue = "" + PredictionIntervals.DEFAULT_LEVEL,
            description = "Nominal coverage of the interval used by --rank lcb or ucb (default: ${DEFAULT-VALUE}).")
    double level;

    RankBy rankBy() {
        return rank;
    }

    /** Reads mean, lcb or ucb in any case; anything else is bad usage (exit 2). */
    static final class RankByConverter implements picocli.CommandLine.ITypeConverter<RankBy> {
        @Override
        public RankBy convert(String value) {
            try {
                return RankBy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The model's intervals when the ranking needs them (null otherwise); refuses a model without them. */
    PredictionIntervals intervals(Path modelDir) throws IOException {
        if (rankBy() == RankBy.MEAN) {
            return null;
        }
        PredictionIntervals.checkLevel(level);
        PredictionIntervals intervals = PredictionIntervals.loadIfPresent(modelDir);
        if (intervals == null) {
            throw new IllegalArgumentException("--rank " + rank.name().toLowerCase(java.util.Locale.ROOT) + " needs "
                    + "prediction intervals, and " + modelDir + " has none (fit them with `ncpl calibrate --model "
                    + modelDir + "`)");
        }
        return intervals;
    }
}
