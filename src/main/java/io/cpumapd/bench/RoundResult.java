package io.cpumapd.bench;

/**
 * One measured round of one implementation: rates over the measured window (after warm-up), in
 * packets per second; allocation and GC over the same window (Java only, -1 for C). {@code rxCpuShare}
 * is the RX thread's CPU time over the window's wall time (below 1: other processes took its core),
 * {@code rxPerCpuPps} the RX packets per second of RX thread CPU time (-1 when unknown).
 * {@code enqueueSuccess} is the share of the packets RX pushed to the rings that the rings took
 * (enqueued / (enqueued + enqueue drops), -1 when nothing was pushed): a full ring's refusal costs RX a
 * failed enqueue and a local free, a success the ring's producer CAS and the mbufs' trip to the
 * consumer core and back, so RX per CPU-second compares equal work only at equal success.
 */
public record RoundResult(String impl, int round, double seconds, double rxPps, double redirectPps,
        double enqueuePps, double consumerPps, double errDropPps, double enqueueDropPps, double schedPerSec,
        double bulkAvg, long rxAllocatedBytes, long consumerAllocatedBytes, double rxBytesPerPacket,
        double consumerBytesPerPacket, long gcCount, long gcTimeMs, Latency latency, int leakedMbufs,
        double rxCpuShare, double rxPerCpuPps, double enqueueSuccess) {

    /** Nanoseconds from the RX stamp (once per burst) to the consumer's second-stage program. */
    public record Latency(long offeredPps, long samples, long p50Ns, long p99Ns, long p999Ns, long maxNs) {
        static Latency of(long offeredPps, LogHistogram h) {
            return new Latency(offeredPps, h.count(), h.percentile(50), h.percentile(99), h.percentile(99.9),
                    h.max());
        }
    }
}
