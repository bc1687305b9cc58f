package dev.ncpl.predict;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Cuts a stream into lists of at most a given size, so that any input is handled in constant memory. */
public final class Batches {
    /** Work on one batch. */
    @FunctionalInterface
    public interface BatchConsumer<T> {
        void accept(List<T> batch) throws IOException;
    }

    private Batches() {}

    /** Hands {@code items} to {@code consumer} in consecutive batches of at most {@code size}. */
    public static <T> void forEach(Iterator<T> items, int size, BatchConsumer<T> consumer) throws IOException {
        List<T> batch = new ArrayList<>(size);
        while (items.hasNext()) {
            batch.add(items.next());
            if (batch.size() == size) {
                consumer.accept(batch);
                batch = new ArrayList<>(size);
            }
        }
        if (!batch.isEmpty()) {
            consumer.accept(batch);
        }
    }
}
