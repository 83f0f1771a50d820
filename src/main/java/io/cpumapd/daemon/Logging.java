package io.cpumapd.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one logging path. Our code logs through {@link System.Logger} (in the JDK, no dependency,
 * no binding to pick at run time); libraries that log through SLF4J (OpenHFT Affinity) reach the
 * same place through the {@code slf4j-jdk14} binding. Both end in java.util.logging, where this
 * installs one handler with a one-line format: {@code TIME COMPONENT: message}, the level before
 * the component when it is not INFO, the stack after the line for an exception. The daemon logs
 * to stdout (journald adds its own time; a terminal reader gets one here); the other commands to
 * stderr, so that their own output stays clean. Levels: ERROR for a failure that costs a thread or
 * a component, WARNING for something an operator should look at, INFO for state changes (start,
 * stop, an entry or filter replaced); nothing is logged per packet or per poll.
 */
public final class Logging {
    /** Logger names of our components: {@code cpumapd.eal}, {@code cpumapd.control}, ... */
    public static final String PREFIX = "cpumapd.";

    private Logging() {
    }

    /** Our components' logger (component {@code eal} logs as {@code eal:}). */
    public static System.Logger logger(String component) {
        return System.getLogger(PREFIX + component);
    }

    /** Held: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final Logger OURS = Logger.getLogger("cpumapd");

    /**
     * Our components' level from now on ({@code daemon.log_level}: error, warning, info, debug);
     * libraries stay at WARNING. Applied live by a reload.
     */
    public static void level(String name) {
        Level level = switch (name) {
            case "error" -> Level.SEVERE;
            case "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> throw new IllegalArgumentException("unknown log level '" + name + "'");
        };
        OURS.setLevel(level);
    }

    /** Our components' level as {@link #level(String)} names it. */
    public static String level() {
        Level l = OURS.getLevel();
        if (l == null || l == Level.INFO) {
            return "info";
        }
        return l == Level.SEVERE ? "error" : l == Level.WARNING ? "warning" : "debug";
    }

    /** Sends every log record of this JVM to {@code out}, INFO and above (libraries: WARNING and above). */
    public static synchronized void install(PrintStream out) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        OURS.setLevel(Level.INFO);
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (isLoggable(r)) {
                    out.print(getFormatter().format(r)); // one print per record: lines never interleave
                    out.flush();
                }
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        };
        h.setFormatter(new OneLine());
        root.addHandler(h);
        Logger.getLogger("net.openhft").setLevel(Level.WARNING); // Affinity: its INFO lines are noise here
    }

    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(r.getMillis()).truncatedTo(ChronoUnit.MILLIS)).append(' ');
            if (r.getLevel() != Level.INFO) {
                b.append(r.getLevel() == Level.SEVERE ? "ERROR" : r.getLevel().getName()).append(' ');
            }
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            b.append(name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name).append(": ")
                    .append(formatMessage(r)).append('\n');
            if (r.getThrown() != null) {
                StringWriter stack = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(stack));
                b.append(stack);
            }
            return b.toString();
        }
    }
}
