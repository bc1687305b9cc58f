package dev.ncpl.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Batching with preparation on a second thread: order, bounded look-ahead and failures. */
class BatchesTest {
    @Test
    void preparedBatchesArriveInOrderAndComplete() throws IOException {
        List<Integer> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        Batches.forEachPrepared(IntStream.range(0, 1003).boxed().iterator(), 100,
                batch -> batch.stream().map(i -> i * 2).toList(), prepared -> {
                    sizes.add(prepared.size());
                    seen.addAll(prepared);
                });
        assertEquals(1003, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(2 * i, seen.get(i));
        }
        assertEquals(3, sizes.get(10));
    }

    @Test
    void theReaderStaysABoundedDistanceAhead() throws IOException {
        int[] read = {0};
        Iterator<Integer> counting = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return read[0] < 10_000;
            }

            @Override
            public Integer next() {
                return read[0]++;
            }
        };
        int[] consumed = {0};
        int[] maxLead = {0};
        Batches.forEachPrepared(counting, 10, b -> b, batch -> {
            consumed[0] += batch.size();
            maxLead[0] = Math.max(maxLead[0], read[0] - consumed[0]);
        });
        // one batch being prepared, AHEAD waiting, one being filled: never the whole input
        assertTrue(maxLead[0] <= 10 * (Batches.AHEAD + 2), "lead " + maxLead[0]);
    }

    @Test
    void failuresOfEitherSideReachTheCaller() {
        Iterator<Integer> failing = new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (i == 25) {
                    throw new IllegalArgumentException("bad line 26");
                }
                return i++;
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Batches.forEachPrepared(failing, 10, b -> b, batch -> { }));
        assertEquals("bad line 26", e.getMessage());
        IOException io = assertThrows(IOException.class, () -> Batches.forEachPrepared(
                IntStream.range(0, 100).boxed().iterator(), 10, b -> b, batch -> {
                    throw new IOException("disk full");
                }));
        assertEquals("disk full", io.getMessage());
    }
}
