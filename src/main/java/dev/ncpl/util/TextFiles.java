package dev.ncpl.util;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about text files that a reader's buffered decoding cannot tell exactly. */
public final class TextFiles {
    private TextFiles() {}

    /**
     * The line (from 1) of the first byte of {@code file} that is not UTF-8, or 0 when it is all UTF-8: a
     * buffered reader meets a bad byte while it fills its buffer, lines ahead of the one it returns.
     */
    public static long firstNonUtf8Line(Path file) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long lineNo = 1;
            int b;
            while (true) {
                b = in.read();
                if (b == '\n' || b < 0) {
                    try {
                        decoder.reset().decode(ByteBuffer.wrap(line.toByteArray()));
                    } catch (CharacterCodingException e) {
                        return lineNo;
                    }
                    if (b < 0) {
                        return 0;
                    }
                    line.reset();
                    lineNo++;
                } else {
                    line.write(b);
                }
            }
        }
    }
}
