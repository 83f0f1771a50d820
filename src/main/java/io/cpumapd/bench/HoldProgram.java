package io.cpumapd.bench;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import java.util.concurrent.locks.LockSupport;

/**
 * The second-stage program of {@code -r hold} ({@link RedirectCpuConfig#HOLD}): the first packet it sees
 * parks its consumer (waking every 100 us, as the C twin's consumer sleeps) until {@link #release()}, so the
 * consumer holds its first batch and the ring behind it stays full; from then on it drops. A benchmark
 * tool only: a program of the daemon must never block.
 */
public final class HoldProgram implements PacketFilter {
    private volatile boolean released;

    @Override
    public Verdict filter(Packet packet) {
        while (!released) {
            LockSupport.parkNanos(100_000);
        }
        return Verdict.DROP;
    }

    /** Lets every consumer go on: they drop what they hold and drain their rings. */
    public void release() {
        released = true;
    }

    @Override
    public String name() {
        return "hold";
    }
}
