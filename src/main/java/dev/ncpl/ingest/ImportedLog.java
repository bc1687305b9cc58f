package dev.ncpl.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One training run as a log format gives it, before mapping: where it came from, a name, the
 * hyperparameter documents found with it (earlier ones are overridden by later ones) and every
 * logged scalar series (name → step → value).
 *
 * @param origin the file or folder it was read from (named in errors)
 * @param name the run's name in its tool, used for its id
 * @param configs hyperparameter documents, as the tool wrote them
 * @param series logged scalars by name, each a map from step to value
 */
public record ImportedLog(Path origin, String name, List<JsonNode> configs, Map<String, TreeMap<Long, Double>> series) {}
