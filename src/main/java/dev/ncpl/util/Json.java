package dev.ncpl.util;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * The project's one Jackson configuration: NaN is readable (so it can be reported), anything after the document is
 * an error (a file cut or pasted together is not silently half-read), output is stable. A file whose name ends in
 * {@code .gz} is written gzip-compressed, and a gzip-compressed file is read whatever its name.
 */
public final class Json {
    /** Shared mapper; thread-safe once configured. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** Writes {@code value} as pretty JSON to {@code target}, atomically; gzip-compressed where it ends in .gz. */
    public static void writePretty(Path target, Object value) throws IOException {
        boolean gzip = target.getFileName().toString().endsWith(".gz");
        AtomicFiles.write(target, out -> {
            // the writer closes the stream it is given, which finishes the gzip trailer; the header carries no time,
            // so one value gives the same bytes on every write
            MAPPER.writerWithDefaultPrettyPrinter().writeValue(gzip ? new GZIPOutputStream(out, 1 << 16) : out,
                    value);
        });
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
        try (InputStream in = open(file)) {
            value = MAPPER.readValue(in, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": " + e.getOriginalMessage(), e);
        } catch (ZipException | EOFException e) {
            throw new IOException(file + ": not a whole gzip-compressed file (" + e.getMessage() + ")", e);
        }
        if (value == null) {
            throw new IOException(file + ": empty document (expected a JSON object)");
        }
        return value;
    }

    /** {@code file}'s content, decompressed where it starts with gzip's magic bytes. */
    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
