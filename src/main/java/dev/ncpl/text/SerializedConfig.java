package dev.ncpl.text;

import java.util.List;

/**
 * A config as text: "key: value" lines in canonical order, numbers replaced by the placeholder
 * {@value ConfigSerializer#NUM} and carried separately, in order, with the key each belongs to.
 *
 * @param lines the lines, for example {@code optimizer.lr: <num>}
 * @param numberKeys the key of each placeholder, in order of appearance
 * @param numbers the raw value of each placeholder, in order of appearance
 */
public record SerializedConfig(List<String> lines, List<String> numberKeys, double[] numbers) {
    /** The text fed to the tokenizer: the lines joined by newlines. */
    public String text() {
        return String.join("\n", lines);
    }
}
