package dev.ncpl.util;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Writing CSV rows (RFC 4180 quoting) and telling a CSV output path by its extension. */
public final class Csv {
    private Csv() {}

    /** Whether {@code file} names a CSV file. */
    public static boolean isCsv(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    /** One CSV line (without the newline) of {@code cells}, quoted where needed. */
    public static String row(List<String> cells) {
        return cells.stream().map(Csv::cell).collect(Collectors.joining(","));
    }

    private static String cell(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
