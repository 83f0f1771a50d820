package io.cpumapd.worker;

import io.cpumapd.dpdk.Port;

/** One (port, queue) an RX worker polls. */
public record RxQueue(Port port, int queue) {
    @Override
    public String toString() {
        return port.name() + "/" + queue;
    }
}
