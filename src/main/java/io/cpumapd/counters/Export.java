package io.cpumapd.counters;

/**
 * A Prometheus meter a counter feeds: the Micrometer name ({@code cpumapd.rx.verdicts}, without
 * {@code _total}), its help text, and the one label value that tells this counter apart from the
 * others feeding the same meter ({@code verdict="drop"}), or none. Counters in nanoseconds are
 * exported in seconds.
 */
public record Export(String meter, String help, String tagKey, String tagValue) {
    public static Export of(String meter, String help) {
        return new Export(meter, help, null, null);
    }

    public static Export tagged(String meter, String help, String tagKey, String tagValue) {
        return new Export(meter, help, tagKey, tagValue);
    }
}
