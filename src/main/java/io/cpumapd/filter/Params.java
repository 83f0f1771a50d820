package io.cpumapd.filter;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A filter's parameters as given in the configuration, read by name. Every key a filter asks for
 * is remembered, so {@link #finish()} can reject a key nobody read (a typo) and list the known
 * ones. Control path only.
 */
final class Params {
    private final String filter;
    private final Map<String, String> values;
    private final Set<String> known = new LinkedHashSet<>();
    private final Set<String> read = new LinkedHashSet<>();

    Params(String filter, Map<String, String> values) {
        this.filter = filter;
        this.values = values == null ? Map.of() : new TreeMap<>(values);
        for (Map.Entry<String, String> e : this.values.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new FilterException("filter '" + filter + "': null parameter key or value");
            }
        }
    }

    String filter() {
        return filter;
    }

    /** The raw value, or {@code fallback} when absent. */
    String string(String key, String fallback) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        read.add(key);
        return v.strip();
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    long longValue(String key, long fallback, long min, long max) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(key, v, "not an integer");
        }
        if (parsed < min || parsed > max) {
            throw bad(key, v, "must be in " + min + ".." + max);
        }
        return parsed;
    }

    int intValue(String key, int fallback, int min, int max) {
        return (int) longValue(key, fallback, min, max);
    }

    /** A cpumap key (a CPU number), or -1 when absent. */
    int cpumapKey(String key) {
        return intValue(key, -1, 0, 65535);
    }

    /** Keys starting with {@code prefix}, the prefix removed; all count as known and read. */
    Map<String, String> withPrefix(String prefix, String describe) {
        known.add(describe);
        Map<String, String> sub = new TreeMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                read.add(e.getKey());
                sub.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        return sub;
    }

    FilterException bad(String key, String value, String why) {
        return new FilterException("filter '" + filter + "': bad value '" + value + "' for parameter '"
                + key + "': " + why);
    }

    /** Rejects any parameter the filter did not read. */
    void finish() {
        for (String key : values.keySet()) {
            if (!read.contains(key)) {
                throw new FilterException("filter '" + filter + "': unknown parameter '" + key + "' (known: "
                        + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
            }
        }
    }
}
