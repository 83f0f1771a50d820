package io.cpumapd.filter;

/**
 * A filter with counters of its own (drops by reason, evictions, ...). The filter's worker thread
 * writes them; metrics and the CLI read them from any thread without a lock.
 */
public interface CountedFilter {
    /** Snake-case names, index-aligned with {@link #counter(int)}; fixed for the filter's life. */
    java.util.List<String> counterNames();

    /** Current value of counter {@code index}; any thread. */
    long counter(int index);
}
