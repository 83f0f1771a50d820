package io.cpumapd.counters;

import java.util.List;

/**
 * One counter, declared once as a constant of a descriptor enum (Aeron's
 * {@code SystemCounterDescriptor}): its column in its set's blocks ({@link #ordinal()}), its field
 * name in {@code stats -j} ({@link #label()}, null when it is not a field there), its unit and
 * help text, and the Prometheus meters it feeds. Readers iterate the descriptors; nothing lists
 * the counters a second time.
 */
public interface CounterDescriptor {
    int ordinal();

    /** The field in {@code stats -j}; null when the counter is exported as a metric only. */
    String label();

    /** What one unit counts: {@code packets}, {@code bytes}, {@code calls}, {@code nanoseconds}, ... */
    String unit();

    String help();

    /** The meters (name + one label) this counter feeds; empty when it is not exported. */
    List<Export> exports();
}
