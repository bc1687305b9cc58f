package dev.ncpl.runs;

/**
 * A run that cannot be used, with the file, line and field at fault, so that a user can find and
 * fix it: {@code runs.jsonl:12: field 'curve[3]': loss is NaN}. Checks that see a run without its file
 * name the run's id in the file's stead; a reader that knows where the run came from re-throws it
 * {@link #locatedAt located}.
 */
public class InvalidRunException extends IllegalArgumentException {
    private final String file;
    private final long line;
    private final String field;
    private final String problem;

    public InvalidRunException(String file, long line, String field, String problem) {
        this(file, line, null, field, problem);
    }

    private InvalidRunException(String file, long line, String run, String field, String problem) {
        super(format(file, line, run, field, problem));
        this.file = file;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    /**
     * The same problem placed at {@code line} of {@code file} (0: the whole file), naming the run's id
     * ({@link #file()} of this one) as well; this exception is its cause.
     */
    public InvalidRunException locatedAt(String file, long line) {
        InvalidRunException located = new InvalidRunException(file, line, this.file, field, problem);
        located.initCause(this);
        return located;
    }

    private static String format(String file, long line, String run, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<input>" : file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (run != null) {
            sb.append("run '").append(run).append("': ");
        }
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

    /** What is wrong, without the place. */
    public String problem() {
        return problem;
    }
}
