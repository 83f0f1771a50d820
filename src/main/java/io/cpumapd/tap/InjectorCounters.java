package io.cpumapd.tap;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.TapCounter;

/**
 * The counters of one {@link TapInjector}, a one-row {@link TapCounter} block: written only by its
 * consumer thread, read by any thread (metrics, CLI) without a lock.
 */
public final class InjectorCounters {
    private static final int PACKETS = TapCounter.PACKETS.ordinal();
    private static final int BYTES = TapCounter.BYTES.ordinal();
    private static final int ERRORS = TapCounter.ERRORS.ordinal();
    private static final int ERRORS_BY_KIND = TapCounter.EAGAIN.ordinal();

    static {
        for (InjectError kind : InjectError.values()) {
            if (TapCounter.values()[ERRORS_BY_KIND + kind.ordinal()] != TapCounter.valueOf(kind.name())) {
                throw new ExceptionInInitializerError("TapCounter's errno counters are not in InjectError's order");
            }
        }
    }

    private final CounterBlock block = CounterBlock.of(TapCounter.values());

    /** The block itself, to register with the pipeline's counter registry. */
    public CounterBlock block() {
        return block;
    }

    /** Frames the kernel accepted. */
    public long packets() {
        return block.get(PACKETS);
    }

    /** Ethernet frame bytes the kernel accepted, vnet headers not included. */
    public long bytes() {
        return block.get(BYTES);
    }

    /** Frames the kernel refused, of any kind. */
    public long errors() {
        return block.get(ERRORS);
    }

    public long errors(InjectError kind) {
        return block.get(ERRORS_BY_KIND + kind.ordinal());
    }

    void addSent(int packets, long bytes) {
        block.add(PACKETS, packets);
        block.add(BYTES, bytes);
    }

    void addErrors(int errors) {
        block.add(ERRORS, errors);
    }

    void addError(int slot) {
        block.increment(ERRORS_BY_KIND + slot);
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
