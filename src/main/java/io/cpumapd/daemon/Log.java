package io.cpumapd.daemon;

import java.lang.System.Logger.Level;

/** The daemon's state changes, one line each, under the component they concern (see {@link Logging}). */
final class Log {
    private Log() {
    }

    static void info(String component, String message) {
        Logging.logger(component).log(Level.INFO, message);
    }

    static void warn(String component, String message) {
        Logging.logger(component).log(Level.WARNING, message);
    }
}
