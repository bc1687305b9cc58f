package dev.ncpl.predict;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;

/**
 * Cuts a stream into lists of at most a given size, so that any input is handled in constant memory;
 * optionally reads and prepares the next batches on a second thread while the current one is being
 * consumed (parsing and tokenizing overlap with the network).
 */
public final class Batches {
    /** Work on one batch. */
    @FunctionalInterface
    public interface BatchConsumer<T> {
        void accept(List<T> batch) throws IOException;
    }

    /** Work on one prepared batch. */
    @FunctionalInterface
    public interface PreparedConsumer<P> {
        void accept(P prepared) throws IOException;
    }

    /** Prepared batches waiting at most: memory stays bounded whatever the input size. */
    static final int AHEAD = 2;

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

    /** A prepared batch, the end of the stream, or the failure of the preparing thread. */
    private record Slot<P>(P value, RuntimeException failure, boolean end) {}

    /**
     * Like {@link #forEach}, but a background thread reads the items and applies {@code prepare} to
     * each batch, staying at most {@link #AHEAD} batches ahead of {@code consumer}, which runs on the
     * calling thread in input order. An exception of either side stops both and is rethrown here.
     */
    public static <T, P> void forEachPrepared(Iterator<T> items, int size, Function<List<T>, P> prepare,
                                              PreparedConsumer<P> consumer) throws IOException {
        BlockingQueue<Slot<P>> queue = new ArrayBlockingQueue<>(AHEAD);
        Thread producer = new Thread(() -> {
            try {
                try {
                    forEach(items, size, batch -> put(queue, new Slot<>(prepare.apply(batch), null, false)));
                    put(queue, new Slot<>(null, null, true));
                } catch (InterruptedRuntime e) {
                    throw e;
                } catch (RuntimeException e) {
                    put(queue, new Slot<>(null, e, true));
                } catch (IOException e) {
                    put(queue, new Slot<>(null, new java.io.UncheckedIOException(e), true));
                }
            } catch (InterruptedRuntime e) {
                // the consumer stopped: nothing left to do
            }
        }, "ncpl-prepare");
        producer.setDaemon(true);
        producer.start();
        try {
            while (true) {
                Slot<P> slot = queue.take();
                if (slot.failure() instanceof java.io.UncheckedIOException io) {
                    throw io.getCause();
                }
                if (slot.failure() != null) {
                    throw slot.failure();
                }
                if (slot.end()) {
                    return;
                }
                consumer.accept(slot.value());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            producer.interrupt();
        }
    }

    /** Signals that the producer was interrupted while waiting for room. */
    private static final class InterruptedRuntime extends RuntimeException {
        InterruptedRuntime() {
            super(null, null, false, false);
        }
    }

    private static <P> void put(BlockingQueue<Slot<P>> queue, Slot<P> slot) {
        try {
            queue.put(slot);
        } catch (InterruptedException e) {
            throw new InterruptedRuntime();
        }
    }
}
