package dev.ncpl.runs;

/**
 * A run that cannot be used, with the file, line and field at fault, so that a user can find and
 * fix it: {@code runs.jsonl:12: field 'curve[3]': loss is NaN}.
 */
public class InvalidRunException extends RuntimeException {
    private final String file;
    private final long line;
    private final String field;

    public InvalidRunException(String file, long line, String field, String problem) {
        super(format(file, line, field, problem));
        this.file = file;
        this.line = line;
        this.field = field;
    }

    private static String format(String file, long line, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<input>" : file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (field != null) {
            sb.append("field '").append(field).append("': ");
        }
        return sb.append(problem).toString();
    }

    public String file() {
        return file;
    }

    public long line() {
        return line;
    }

    public String field() {
        return field;
    }
}
