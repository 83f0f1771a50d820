package io.cpumapd.config;

/**
 * The idle strategies a hot thread may follow, by the names config and CLI use. The strategies
 * themselves are built by {@code worker.IdleStrategies}; the names live here so that a config
 * is checked without the runtime.
 */
public final class IdleNames {
    public static final String BUSY_SPIN = "busy-spin";
    public static final String BACKOFF = "backoff";

    private IdleNames() {
    }

    /** Returns {@code name} if it is a known strategy, else throws with the list of names. */
    public static String check(String name) {
        if (!BUSY_SPIN.equals(name) && !BACKOFF.equals(name)) {
            throw new IllegalArgumentException("unknown idle strategy '" + name + "': use " + BUSY_SPIN + " or "
                    + BACKOFF);
        }
        return name;
    }
}
