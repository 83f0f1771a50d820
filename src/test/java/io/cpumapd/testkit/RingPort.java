package io.cpumapd.testkit;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;

/**
 * An EAL with one started {@code net_ring0} port (one RX and one TX queue) over a mempool of its own:
 * what a test sends on the port comes back on its RX queue, so it can read the wire frames.
 */
public record RingPort(Eal eal, Mempool pool, Port port) implements AutoCloseable {
    public static RingPort start(String poolName) {
        Eal eal = TestEal.start("net_ring0");
        Mempool pool = Mempool.create(poolName, 2047, 0, Mempool.DEFAULT_DATA_ROOM);
        Port port = Port.byName("net_ring0");
        port.configure(1, 1, 1024, 1024, pool);
        port.start();
        return new RingPort(eal, pool, port);
    }

    @Override
    public void close() {
        port.stop();
        port.close();
        pool.close();
        eal.close();
    }
}
