package io.cpumapd.worker;

import io.cpumapd.config.IdleNames;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/** Idle strategies by the names config and CLI use. */
public final class IdleStrategies {
    public static final String BUSY_SPIN = IdleNames.BUSY_SPIN;
    public static final String BACKOFF = IdleNames.BACKOFF;

    private IdleStrategies() {
    }

    /** @param onPark counts each time the thread gives its core away (never called by busy-spin) */
    public static IdleStrategy byName(String name, Runnable onPark) {
        return switch (name) {
            case BUSY_SPIN -> new BusySpinIdleStrategy();
            case BACKOFF -> new CountingBackoffIdleStrategy(100, 10, 1_000, 1_000_000, onPark);
            default -> throw new IllegalArgumentException(IdleNames.check(name)); // check throws: unknown name
        };
    }
}
