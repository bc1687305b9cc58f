package dev.ncpl.util;

import java.util.Iterator;
import java.util.function.Function;

/** Lazy views of iterators. */
public final class Iterators {
    private Iterators() {}

    /** {@code source} with {@code f} applied to each element as it is taken. */
    public static <A, B> Iterator<B> map(Iterator<A> source, Function<? super A, ? extends B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public B next() {
                return f.apply(source.next());
            }
        };
    }
}
