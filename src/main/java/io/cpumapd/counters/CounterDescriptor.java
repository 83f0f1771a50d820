package io.cpumapd.counters;

import java.util.List;

/**
 * One counter, declared once as a constant of a descriptor enum (Aeron's
 * {@code SystemCounterDescriptor}): its column in its set's blocks ({@link #ordinal()}) and its
 * {@link Info}: field name in {@code stats -j}, unit, help text and the Prometheus meters it feeds.
 * Readers iterate the descriptors; nothing lists the counters a second time.
 */
public interface CounterDescriptor {
    int ordinal();

    Info info();

    /** The field in {@code stats -j}; null when the counter is exported as a metric only. */
    default String label() {
        return info().label();
    }

    /** What one unit counts: {@code packets}, {@code bytes}, {@code calls}, {@code nanoseconds}, ... */
    default String unit() {
        return info().unit();
    }

    default String help() {
        return info().help();
    }

    /** The meters (name + one label) this counter feeds; empty when it is not exported. */
    default List<Export> exports() {
        return info().exports();
    }

    /** What a descriptor says about its counter. */
    record Info(String label, String unit, String help, List<Export> exports) {
        public static Info of(String label, String unit, String help, Export... exports) {
            return new Info(label, unit, help, List.of(exports));
        }
    }
}
