package io.cpumapd.packet;

/**
 * Runs on every received packet on an RX core (or, as an entry's second-stage program, on the
 * consumer core). It must not block, allocate per packet or keep the {@link Packet}: the flyweight
 * is reused for the next packet. A filter that throws counts as ABORTED for that packet only.
 */
@FunctionalInterface
public interface PacketFilter {
    Verdict filter(Packet packet);

    /** Name shown by {@code cpumapd filter show} and in metrics. */
    default String name() {
        return getClass().getSimpleName();
    }
}
