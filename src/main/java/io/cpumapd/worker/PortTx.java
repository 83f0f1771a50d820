package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.PortTxCounter;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Port;
import java.lang.foreign.Arena;

/**
 * Packets leaving through DPDK ports (XDP_TX, redirect to a port): buffered per port and sent with
 * one tx burst per port at the end of a poll. What a driver does not take is freed and counted.
 * One per thread, each with its own TX queue on every port.
 */
public final class PortTx {
    private static final int SENT = PortTxCounter.SENT.ordinal();
    private static final int DROPS = PortTxCounter.DROPS.ordinal();

    private final Port[] ports;
    private final int queue;
    private final HandleArray[] pending;
    private final int[] counts;
    private final CounterBlock counters = CounterBlock.of(PortTxCounter.values());
    private final Runnable onRelease;

    /** @param ports indexed by port id (null where no port); {@code queue} is this thread's TX queue */
    public PortTx(Port[] ports, int queue, int capacity, Arena arena) {
        this(ports, queue, capacity, arena, () -> { });
    }

    /** @param onRelease gives this thread's TX queue back when the thread ends ({@link #release()}) */
    public PortTx(Port[] ports, int queue, int capacity, Arena arena, Runnable onRelease) {
        this.onRelease = onRelease;
        this.ports = ports.clone();
        this.queue = queue;
        this.pending = new HandleArray[ports.length];
        this.counts = new int[ports.length];
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] != null) {
                pending[i] = new HandleArray(arena, capacity);
            }
        }
    }

    /** Queues {@code mbuf} for {@code portId}; false (mbuf still the caller's) when there is no such port. */
    public boolean send(int portId, long mbuf) {
        if (portId < 0 || portId >= ports.length || ports[portId] == null) {
            return false;
        }
        if (counts[portId] == pending[portId].capacity()) {
            flush(portId);
        }
        pending[portId].set(counts[portId]++, mbuf);
        return true;
    }

    public void flush() {
        for (int p = 0; p < ports.length; p++) {
            if (counts[p] > 0) {
                flush(p);
            }
        }
    }

    private void flush(int p) {
        int n = counts[p];
        int sent = ports[p].txBurst(queue, pending[p], 0, n);
        if (sent < n) {
            Mbuf.freeBulk(pending[p].address(sent), n - sent);
            counters.add(DROPS, n - sent);
        }
        counters.add(SENT, sent);
        counts[p] = 0;
    }

    /** The owning thread ends: sends what is pending, then hands its TX queue back. */
    public void release() {
        flush();
        onRelease.run();
    }

    public int queue() {
        return queue;
    }

    public long counter(PortTxCounter c) {
        return counters.get(c.ordinal());
    }

    /** The block this sender writes, to register with the pipeline's counter registry. */
    public CounterBlock counters() {
        return counters;
    }
}
