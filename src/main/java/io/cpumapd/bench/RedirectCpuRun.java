package io.cpumapd.bench;

import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;

/** One running redirect-cpu pipeline (Java or the C reference) for the length of a round. */
public interface RedirectCpuRun extends AutoCloseable {
    String impl();

    /** The source port and the mempool it receives into (a ring feeder sends into them). */
    Port port();

    Mempool pool();

    StageSnapshot snapshot();

    /** Thread ids of the RX worker and the consumers, for allocation counting (empty for C). */
    long[] hotThreadIds();

    /**
     * CPU time the RX thread has used so far, in ns: on a shared machine the thread gets a varying share
     * of its core, and RX packets per RX CPU second stays comparable where the wall-clock rate does not.
     */
    long rxCpuNs();

    /** Records latency from now on (latency mode only). */
    void recordLatency(boolean on);

    /** After {@link #close()}: the consumers' latency histogram merged, null when not measured. */
    LogHistogram latency();

    /** Stops RX, drains the consumers, frees port, pool, rings and TAP. Returns mbufs leaked (0). */
    @Override
    void close();

    int leaked();
}
