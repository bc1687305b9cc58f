package dev.ncpl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncpl.text.EncodedConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a batch is split by token length before the network runs. */
class LengthGroupsTest {
    private static EncodedConfig ofLength(int n) {
        return new EncodedConfig(new long[n], new float[n], new float[n]);
    }

    @Test
    void separatesTwoLengthsAndKeepsEveryConfigOnce() {
        List<EncodedConfig> batch = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            batch.add(ofLength(i % 4 == 3 ? 75 : 65));
        }
        List<int[]> groups = LengthGroups.of(batch, Long.MAX_VALUE);
        assertEquals(2, groups.size());
        assertEquals(384, groups.get(0).length);
        assertTrue(Arrays.stream(groups.get(0)).allMatch(i -> batch.get(i).length() == 65));
        assertTrue(Arrays.stream(groups.get(1)).allMatch(i -> batch.get(i).length() == 75));
        int[] all = groups.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        int[] expected = new int[512];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, all);
    }

    @Test
    void keepsSmallBatchesAndEqualLengthsInOneCall() {
        List<EncodedConfig> small = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            small.add(ofLength(50 + i));
        }
        assertEquals(1, LengthGroups.of(small, Long.MAX_VALUE).size());
        assertEquals(1, LengthGroups.of(java.util.Collections.nCopies(300, ofLength(70)), Long.MAX_VALUE).size());
    }

    @Test
    void everyGroupButTheLastHoldsAtLeastTheMinimum() {
        List<EncodedConfig> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(ofLength(40 + (i * 7) % 50));
        }
        List<int[]> groups = LengthGroups.of(batch, Long.MAX_VALUE);
        assertTrue(groups.size() > 1);
        for (int g = 0; g < groups.size() - 1; g++) {
            assertTrue(groups.get(g).length >= LengthGroups.MIN_GROUP);
            int longest = Arrays.stream(groups.get(g)).map(i -> batch.get(i).length()).max().orElseThrow();
            int nextShortest = Arrays.stream(groups.get(g + 1)).map(i -> batch.get(i).length()).min().orElseThrow();
            assertTrue(longest <= nextShortest);
        }
    }

    @Test
    void capsTheAttentionScoresOfOneCall() {
        List<EncodedConfig> batch = java.util.Collections.nCopies(512, ofLength(70));
        List<int[]> groups = LengthGroups.of(batch, 2_000_000L);
        assertEquals(List.of(408, 104), groups.stream().map(g -> g.length).toList());
        assertEquals(1, LengthGroups.of(batch, 512L * 70 * 70).size());
        // the cap never cuts a group below the minimum, however long its configs
        assertEquals(512 / LengthGroups.MIN_GROUP, LengthGroups.of(java.util.Collections.nCopies(512, ofLength(500)),
                2_000_000L).size());
    }
}
