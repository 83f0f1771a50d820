package io.cpumapd.daemon;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** One line per event on stdout (journald adds its own time; a terminal reader gets one here). */
final class Log {
    private Log() {
    }

    static void info(String component, String message) {
        System.out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + component + ": " + message);
    }
}
