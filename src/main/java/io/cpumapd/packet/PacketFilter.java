package io.cpumapd.packet;

/**
 * Runs on every received packet on an RX core (or, as an entry's second-stage program, on the
 * consumer core). It must not block, allocate per packet or keep the {@link Packet}: the flyweight
 * is reused for the next packet. A filter that throws counts as ABORTED for that packet only.
 */
@FunctionalInterface
public interface PacketFilter {
    Verdict filter(Packet packet);

    /**
     * Called by the worker once per burst (an RX burst of up to 32 packets, a consumer's dequeue batch),
     * on the worker's thread, before the burst's first {@link #filter}. A filter can take here what is the
     * same for every packet of the burst, e.g. one snapshot of a volatile target set instead of a volatile
     * read per packet; a change made by another thread is then seen from the next burst on. The default
     * does nothing. Like {@code filter} it must not block or allocate; if it throws, every packet of that
     * burst ends ABORTED (counted as a filter exception) and the next burst calls it again.
     */
    default void beginBurst() {
    }

    /** Name shown by {@code cpumapd filter show} and in metrics. */
    default String name() {
        return getClass().getSimpleName();
    }
}
