package io.cpumapd.tap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one {@link TapInjector}: written only by its consumer thread, read by any
 * thread (metrics, CLI) without a lock. They live in one array, padded at both ends so that no
 * other hot object shares their cache lines; the writer publishes with a release store, and
 * readers see a recent value with an acquire load.
 */
public final class InjectorCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Two cache lines of longs: also defeats the adjacent-line prefetcher. */
    private static final int PAD_LONGS = 16;
    private static final int PACKETS = PAD_LONGS;
    private static final int BYTES = PAD_LONGS + 1;
    private static final int ERRORS = PAD_LONGS + 2;
    private static final int ERRORS_BY_KIND = PAD_LONGS + 3;

    private final long[] values = new long[ERRORS_BY_KIND + InjectError.values().length + PAD_LONGS];

    public InjectorCounters() {
    }

    /** Frames the kernel accepted. */
    public long packets() {
        return (long) LONGS.getAcquire(values, PACKETS);
    }

    /** Ethernet frame bytes the kernel accepted, vnet headers not included. */
    public long bytes() {
        return (long) LONGS.getAcquire(values, BYTES);
    }

    /** Frames the kernel refused, of any kind. */
    public long errors() {
        return (long) LONGS.getAcquire(values, ERRORS);
    }

    public long errors(InjectError kind) {
        return (long) LONGS.getAcquire(values, ERRORS_BY_KIND + kind.ordinal());
    }

    // Writer side: only the injector's thread calls these, so a plain read then a release store
    // is an exact increment; no read-modify-write instruction needed.

    void addSent(int packets, long bytes) {
        add(PACKETS, packets);
        add(BYTES, bytes);
    }

    void addErrors(int errors) {
        add(ERRORS, errors);
    }

    void addError(int slot) {
        add(ERRORS_BY_KIND + slot, 1);
    }

    private void add(int index, long delta) {
        LONGS.setRelease(values, index, values[index] + delta);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("packets=").append(packets()).append(" bytes=").append(bytes())
                .append(" errors=").append(errors());
        for (InjectError kind : InjectError.values()) {
            s.append(' ').append(kind.name()).append('=').append(errors(kind));
        }
        return s.toString();
    }
}
