package dev.ncpl.model;

import dev.ncpl.text.EncodedConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a batch of configs into groups of similar token length, so that a network call pads each
 * config only to the longest of its group. A group closes when the next config is longer than the
 * group's shortest and the group already holds {@value #MIN_GROUP} configs (smaller calls would cost
 * more in per-call overhead than the padding they save). A group also closes before its configs times
 * the square of its longest length (the size of the attention scores per head) would pass a cap: see
 * {@link NcplModel}.
 */
final class LengthGroups {
    /** The smallest group that may be closed. */
    static final int MIN_GROUP = 64;

    private LengthGroups() {}

    /**
     * Indices into {@code configs}, one array per group, shortest configs first; one group when all
     * lengths agree and configs × length² stays within {@code maxCells}.
     */
    static List<int[]> of(List<EncodedConfig> configs, long maxCells) {
        Integer[] order = new Integer[configs.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> configs.get(i).length()));
        List<int[]> groups = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= order.length; i++) {
            if (i == order.length) {
                groups.add(Arrays.stream(order, start, i).mapToInt(Integer::intValue).toArray());
                break;
            }
            long length = configs.get(order[i]).length();
            boolean close = i - start >= MIN_GROUP && (length > configs.get(order[start]).length()
                    || (i - start + 1) * length * length > maxCells);
            if (close) {
                groups.add(Arrays.stream(order, start, i).mapToInt(Integer::intValue).toArray());
                start = i;
            }
        }
        return groups;
    }
}
