package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;

/**
 * Where PASS sends a packet: into the kernel stack on this core. One per thread. {@link #pass}
 * takes ownership of the mbuf; {@link #flush} delivers everything passed since the last flush in
 * one go and frees the mbufs.
 */
public interface Delivery {
    /** Returns false when the packet cannot be delivered (too short to be a frame): it is freed, not delivered. */
    boolean pass(long mbuf);

    /**
     * PASS of a packet whose SkBuff the RX core built already (skb mode): its virtio_net_hdr is in
     * the mbuf's metadata area; nothing is parsed again.
     */
    default boolean passBuilt(long mbuf) {
        return pass(mbuf);
    }

    /** Asks for GRO (on by the entry); a delivery that cannot merge ignores it. Before the first pass. */
    default void gro(boolean on) {
    }

    /** Returns how many of the packets passed since the last flush the kernel refused. */
    int flush();

    /** The {@code TapCounter} block of a delivery into a TAP queue, to register; null for any other. */
    default CounterBlock tapCounters() {
        return null;
    }
}
