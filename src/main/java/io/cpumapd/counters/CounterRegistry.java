package io.cpumapd.counters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Every counter set of a pipeline, one {@link CounterGroup} per descriptor enum. The pipeline owns
 * it; each hot thread registers its blocks as it starts and retires them as it ends; {@code /metrics}
 * and {@code stats -j} iterate {@link #groups()}. Adding a counter is one descriptor constant plus
 * its increment.
 */
public final class CounterRegistry {
    private final Map<Class<?>, CounterGroup<?>> groups = new LinkedHashMap<>();

    /** Declares a set with {@code rows} rows, each with its metric labels (name, value pairs). */
    public synchronized <E extends Enum<E> & CounterDescriptor> CounterGroup<E> define(String name, Class<E> type,
            int rows, IntFunction<String[]> rowTags) {
        if (groups.containsKey(type)) {
            throw new IllegalStateException(type.getSimpleName() + " is already defined");
        }
        CounterGroup<E> g = new CounterGroup<>(name, type, rows, rowTags);
        groups.put(type, g);
        return g;
    }

    @SuppressWarnings("unchecked")
    public synchronized <E extends Enum<E> & CounterDescriptor> CounterGroup<E> group(Class<E> type) {
        CounterGroup<E> g = (CounterGroup<E>) groups.get(type);
        if (g == null) {
            throw new IllegalArgumentException("no counter set " + type.getSimpleName());
        }
        return g;
    }

    /** Counter {@code d} of {@code row} in its set. */
    public <E extends Enum<E> & CounterDescriptor> long get(E d, int row) {
        return group(d.getDeclaringClass()).get(d, row);
    }

    public synchronized List<CounterGroup<?>> groups() {
        return new ArrayList<>(groups.values());
    }
}
