package io.cpumapd.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The daemon's own behaviour: its log level (applied live by a reload), how long a hot thread may
 * finish no poll before it is reported stalled (applied live too), and how long a stop may take
 * before the process gives up on a thread that does not end (read when the stop begins). The JVM
 * properties {@code cpumapd.stall.after.ms} and {@code cpumapd.stop.timeout.seconds}, when set,
 * override the file (for a test or a one-off run).
 */
public record DaemonConfig(String logLevel, int stallAfterMs, int stopTimeoutSeconds) {
    public static final List<String> LEVELS = List.of("error", "warning", "info", "debug");
    public static final DaemonConfig DEFAULT = new DaemonConfig("info", 2000, 20);
    static final List<String> KEYS = List.of("log_level", "stall_after_ms", "stop_timeout_seconds");
    public static final int MIN_STALL_MS = 100;
    public static final int MAX_STALL_MS = 600_000;
    public static final int MAX_STOP_SECONDS = 3600;

    static DaemonConfig read(YamlNode n) {
        String level = n.string("log_level", DEFAULT.logLevel).toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new ConfigException(n.path("log_level"), YamlNode.quote(level) + " is not a log level (use "
                    + String.join(", ", LEVELS) + ")");
        }
        int stall = n.integer("stall_after_ms", DEFAULT.stallAfterMs, MIN_STALL_MS, MAX_STALL_MS);
        int stop = n.integer("stop_timeout_seconds", DEFAULT.stopTimeoutSeconds, 1, MAX_STOP_SECONDS);
        return new DaemonConfig(level, stall, stop);
    }

    /** The stall time: {@code -Dcpumapd.stall.after.ms} when set, else the file's. */
    public Duration stallAfter() {
        return Duration.ofMillis(Long.getLong("cpumapd.stall.after.ms", stallAfterMs));
    }

    /** The stop timeout: {@code -Dcpumapd.stop.timeout.seconds} when set, else the file's. */
    public Duration stopTimeout() {
        return Duration.ofSeconds(Long.getLong("cpumapd.stop.timeout.seconds", stopTimeoutSeconds));
    }
}
