package io.cpumapd.worker;

import io.cpumapd.packet.PacketFilter;

/**
 * The RX filter all workers run. A worker reads it once per poll, so every packet of a burst sees
 * one filter and a swap takes effect at the next poll, atomically for each packet.
 */
public final class FilterSlot {
    private volatile PacketFilter filter;

    public FilterSlot(PacketFilter filter) {
        this.filter = filter;
    }

    public PacketFilter get() {
        return filter;
    }

    /** Returns the filter it replaced. */
    public synchronized PacketFilter swap(PacketFilter next) {
        PacketFilter old = filter;
        filter = next;
        return old;
    }
}
