package dev.ncpl.util;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's one Jackson configuration: NaN is readable (so it can be reported), anything after the document is
 * an error (a file cut or pasted together is not silently half-read), output is stable.
 */
public final class Json {
    /** Shared mapper; thread-safe once configured. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** Writes {@code value} as pretty JSON to {@code target}, atomically. */
    public static void writePretty(Path target, Object value) throws IOException {
        AtomicFiles.write(target, out -> MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, value));
    }

    /** Reads {@code file} into {@code type} when it exists (null when it does not), naming the file in any error. */
    public static <T> T readIfPresent(Path file, Class<T> type) throws IOException {
        return Files.isRegularFile(file) ? read(file, type) : null;
    }

    /** Reads {@code file} into {@code type}, naming the file in any error. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        T value;
        try {
            value = MAPPER.readValue(file.toFile(), type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": " + e.getOriginalMessage(), e);
        }
        if (value == null) {
            throw new IOException(file + ": empty document (expected a JSON object)");
        }
        return value;
    }
}
