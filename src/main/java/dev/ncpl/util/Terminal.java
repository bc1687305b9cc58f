package dev.ncpl.util;

/**
 * Text from data made safe to print on a terminal: control characters (an escape sequence that recolours or
 * clears the screen, a carriage return or newline that fakes a row of a table) are shown as {@code \\uXXXX}.
 */
public final class Terminal {
    private Terminal() {}

    /** {@code text} with every control character escaped. */
    public static String safe(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                    || Character.getType(c) == Character.FORMAT;
            if (control && sb == null) {
                sb = new StringBuilder(text.substring(0, i));
            }
            if (sb != null) {
                if (control) {
                    sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? text : sb.toString();
    }
}
