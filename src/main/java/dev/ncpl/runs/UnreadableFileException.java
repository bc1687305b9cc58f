package dev.ncpl.runs;

/**
 * A file whose reading cannot go on past the problem at its line (bytes that are not UTF-8, a CSV quote that
 * never closes), as opposed to one bad run or row among good ones: even a reader that skips invalid candidates
 * stops here.
 */
public final class UnreadableFileException extends InvalidRunException {
    public UnreadableFileException(String file, long line, String problem) {
        super(file, line, null, problem);
    }
}
