package io.cpumapd.bench;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/**
 * A second-stage program that records, per packet, the time since the RX worker stamped the burst
 * ({@link Mbuf#timestampNs}), then answers with the remote action's verdict. It runs on the
 * consumer thread only, so the histogram has a single writer.
 */
public final class LatencyProgram implements PacketFilter {
    private final PacketFilter next;
    private final LogHistogram histogram = new LogHistogram();
    private volatile boolean recording;

    /** @param next the remote action's program; null means PASS */
    public LatencyProgram(PacketFilter next) {
        this.next = next;
    }

    @Override
    public void beginBurst() {
        if (next != null) {
            next.beginBurst();
        }
    }

    @Override
    public Verdict filter(Packet packet) {
        if (recording) {
            long stamp = Mbuf.timestampNs(packet.mbuf());
            histogram.record(System.nanoTime() - stamp);
        }
        return next == null ? Verdict.PASS : next.filter(packet);
    }

    /** Starts recording (after warm-up). */
    public void record(boolean on) {
        recording = on;
    }

    /** Read after the consumer stopped. */
    public LogHistogram histogram() {
        return histogram;
    }

    @Override
    public String name() {
        return "latency+" + (next == null ? "pass" : next.name());
    }
}
