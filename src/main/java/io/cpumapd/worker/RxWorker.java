package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.Port;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.skb.SkBuff;
import io.cpumapd.skb.SkBuffBuilder;
import io.cpumapd.skb.SkBuffPool;
import io.cpumapd.skb.SkbHandle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.Supplier;

/**
 * An RX core (the NAPI poll of a driver with an XDP program): polls its (port, queue) list, runs
 * the filter on every packet, acts on the verdict, and at the end of every poll flushes the bulk
 * queues, port TX and the local delivery, then passes a quiescent point.
 */
public final class RxWorker extends HotAgent {
    public static final int BURST = 32;
    private static final MemorySegment M = Native.ALL;

    private final RxQueue[] queues;
    private final FilterSlot filter;
    private final Arena arena = Arena.ofShared();
    private final HandleArray burst = new HandleArray(arena, BURST);
    private final HandleArray dropped = new HandleArray(arena, BURST * 2);
    private final Packet packet = new Packet();
    private final CounterBlock counters;
    /**
     * This poll's counts outside the fast path, published once per poll: plain increments per packet,
     * one store per counter. Whatever adds to it sets {@link #slowCounts}.
     */
    private final int[] pending = new int[RxCounter.values().length];
    private boolean slowCounts;

    private boolean skbMode;
    private SkBuffBuilder skbBuilder;
    private SkBuff skb;
    private int drops;
    /** The verdict of the packet an {@link #appendRun} stopped at. */
    private Verdict left;

    public RxWorker(String name, int cpu, List<RxQueue> queues, FilterSlot filter, Quiescence quiescence,
            Supplier<Redirector> redirectors, Supplier<PortTx> portTxs, Supplier<Delivery> deliveries,
            CounterBlock counters) {
        super(name, cpu, quiescence, redirectors, portTxs, deliveries);
        this.counters = counters;
        this.queues = queues.toArray(RxQueue[]::new);
        this.filter = filter;
    }

    /**
     * skb mode (the kernel's generic XDP): packets redirected to the cpumap get their SkBuff built
     * here on the RX core and travel as tagged handles; the consumer injects them without parsing.
     * Call before the worker starts.
     */
    public RxWorker skbMode(long deviceMac48) {
        skbMode = true;
        skbBuilder = new SkBuffBuilder().deviceMac(deviceMac48);
        skb = new SkBuffPool(1, arena).get(0);
        return this;
    }


    @Override
    public int doWork() {
        PacketFilter f = filter.get(); // once per poll: a swap is atomic per burst
        // Locals, not fields: the JIT keeps them in registers across the loop instead of reloading them.
        Packet p = packet;
        HandleArray b = burst;
        Redirector r = redirector;
        boolean nativeMode = !skbMode; // skb mode builds SkBuffs: no inner loop, every packet takes act()
        int total = 0;
        int redirected = 0;
        for (RxQueue q : queues) {
            Port port = q.port();
            int n = port.rxBurst(q.queue(), b, BURST);
            if (n == 0) {
                continue;
            }
            p.receiveBurst(q.queue(), System.nanoTime());
            int portId = port.id();
            if (!begin(f)) {
                abortBurst(p, b, n, portId);
                total += n;
                continue;
            }
            long handles = b.address(0) & Native.ADDRESS_MASK; // no-op mask: no bounds check per read
            if (nativeMode) {
                int i = 0;
                while (i < n) {
                    int end = appendRun(f, handles, i, n);
                    // The bulks that filled during the run, each pushed on its own as if at its 8th packet.
                    r.pushFull();
                    if (end >= 0) {
                        redirected += end - i;
                        break;
                    }
                    int k = ~end; // the packet the run stopped at, its verdict in `left`
                    long m = M.get(ValueLayout.JAVA_LONG_UNALIGNED, handles + 8L * (k & (BURST - 1)));
                    redirected += k - i + slow(m, left, portId);
                    i = k + 1;
                }
            } else {
                slowCounts = true;
                for (int i = 0; i < n; i++) {
                    long m = M.get(ValueLayout.JAVA_LONG_UNALIGNED, handles + 8L * (i & (BURST - 1)));
                    p.wrapReceived(m);
                    Verdict v = run(f, p);
                    p.commitReceived();
                    act(m, v, portId);
                }
            }
            total += n;
            if (drops > BURST) {
                freeDropped();
            }
        }
        publishCounters(total, redirected);
        r.flush();
        portTx.flush();
        int passDrops = delivery.flush();
        if (passDrops != 0) {
            counters.add(RxCounter.PASS_DROPS.ordinal(), passDrops);
        }
        freeDropped();
        if (returnPath != null) {
            total += returnPath.poll(); // what the kernel sent on the TAP queues this worker reads
        }
        participant.quiescent();
        return total;
    }

    /**
     * The inner loop: packets {@code from..n-1} of the burst (filter, metadata, append to a bulk queue
     * open this poll), until one needs anything else. It calls nothing and pushes nothing (the caller
     * pushes the bulks that filled with {@link Redirector#pushFull()} after it), so the JIT keeps its
     * values in registers. Returns {@code n} when every packet was appended; otherwise {@code ~k},
     * {@code k} the packet it stopped at, with that packet's verdict in {@link #left} (the packet
     * flyweight still on it).
     */
    private int appendRun(PacketFilter f, long handles, int from, int n) {
        Packet p = packet;
        Redirector r = redirector;
        long h = handles & Native.ADDRESS_MASK; // a no-op, as in doWork: the reads below need no bounds check
        // The bulk queue of the last key, its count in a register: no load and store of the count
        // through memory per packet (a dependency from one packet to the next). Written back when
        // the key changes and when the run ends.
        int key = -1;
        long queue = 0;
        int count = 0;
        int i = from;
        for (; i < n; i++) {
            // i < n <= BURST: the mask changes nothing; no index check
            long m = M.get(ValueLayout.JAVA_LONG_UNALIGNED, h + 8L * (i & (BURST - 1)));
            p.wrapReceived(m);
            Verdict v = run(f, p);
            p.commitReceived();
            if (v != Verdict.REDIRECT || p.targetKind() != Packet.TARGET_CPUMAP) {
                left = v;
                break;
            }
            int k = p.targetKey();
            if (k != key) {
                if (key >= 0) {
                    r.setCount(key, count);
                }
                queue = r.openAddress(k);
                if (queue == 0) { // not open this poll (or no such key): the slow path
                    key = -1;
                    left = v;
                    break;
                }
                key = k;
                count = r.count(k);
            }
            M.set(ValueLayout.JAVA_LONG_UNALIGNED, queue + 8L * (count & (Redirector.CAPACITY - 1)), m);
            count++;
        }
        if (key >= 0) {
            r.setCount(key, count);
        }
        return i < n ? ~i : n;
    }

    /** A packet the inner loop did not queue, with its verdict: returns 1 if it was redirected to the cpumap. */
    private int slow(long m, Verdict v, int portId) {
        slowCounts = true;
        if (v == Verdict.REDIRECT && packet.targetKind() == Packet.TARGET_CPUMAP) {
            // The first packet for its key this poll (the entry lookup), or a key without entry.
            if (redirector.redirect(packet.targetKey(), m)) {
                return 1;
            }
            notQueued(m, portId);
        } else {
            act(m, v, portId);
        }
        return 0;
    }

    /** Once per burst: the filter's {@link PacketFilter#beginBurst}; false if it threw. */
    private boolean begin(PacketFilter f) {
        try {
            f.beginBurst();
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    /** The filter's beginBurst threw: every packet of the burst ends ABORTED, counted as an exception. */
    private void abortBurst(Packet p, HandleArray b, int n, int portId) {
        slowCounts = true;
        for (int i = 0; i < n; i++) {
            long m = b.get(i);
            p.wrapReceived(m);
            p.commitReceived();
            pending[RxCounter.EXCEPTIONS.ordinal()]++;
            finish(m, Verdict.ABORTED, portId);
        }
    }

    private Verdict run(PacketFilter f, Packet p) {
        try {
            Verdict v = f.filter(p);
            return v == null ? Verdict.ABORTED : v;
        } catch (Throwable e) {
            // Errors too (AssertionError, StackOverflowError, NoClassDefFoundError): a filter's fault
            // costs its packet, never the worker.
            pending[RxCounter.EXCEPTIONS.ordinal()]++;
            slowCounts = true;
            return Verdict.ABORTED;
        }
    }

    private void act(long m, Verdict v, int rxPort) {
        if (v == Verdict.REDIRECT) {
            boolean queued;
            if (packet.targetKind() == Packet.TARGET_NONE) {
                // A bare REDIRECT (no redirect() call): no target, not the previous packet's.
                pending[RxCounter.REDIRECT_ERRORS.ordinal()]++;
                dropped.set(drops++, m);
                pending[RxCounter.ABORTED.ordinal()]++;
                return;
            } else if (packet.targetKind() == Packet.TARGET_PORT) {
                queued = portTx.send(packet.targetKey(), m);
            } else if (skbMode) {
                if (skbBuilder.build(skb, m)) {
                    MemorySegment.copy(Native.ALL, skb.vnetHeaderAddress(), Native.ALL, Mbuf.vnetHeaderAddress(m),
                            SkBuff.VNET_HEADER_BYTES);
                    queued = redirector.redirect(packet.targetKey(), SkbHandle.tag(m));
                } else {
                    // Too short for an SkBuff: no redirect happens; it ends ABORTED like a failed redirect.
                    pending[RxCounter.SKB_ERRORS.ordinal()]++;
                    dropped.set(drops++, m);
                    pending[RxCounter.ABORTED.ordinal()]++;
                    return;
                }
            } else {
                queued = redirector.redirect(packet.targetKey(), m);
            }
            if (queued) {
                pending[RxCounter.REDIRECT.ordinal()]++;
            } else {
                notQueued(m, rxPort);
            }
            return;
        }
        finish(m, v, rxPort);
    }

    /** A redirect that found no entry (or port): the packet takes the redirect's fallback action. */
    private void notQueued(long m, int rxPort) {
        Verdict v = packet.fallback();
        if (v == Verdict.ABORTED) {
            pending[RxCounter.REDIRECT_ERRORS.ordinal()]++;
        }
        finish(m, v, rxPort);
    }

    /** Every verdict but a successful redirect: pass, transmit or drop, and count the verdict. */
    private void finish(long m, Verdict v, int rxPort) {
        switch (v) {
            case PASS -> {
                if (!delivery.pass(m)) {
                    pending[RxCounter.PASS_DROPS.ordinal()]++;
                }
            }
            case TX -> {
                if (!portTx.send(rxPort, m)) { // no TX queue for this thread on that port
                    pending[RxCounter.TX_ERRORS.ordinal()]++;
                    dropped.set(drops++, m);
                }
            }
            default -> dropped.set(drops++, m);
        }
        pending[v.ordinal() + RxCounter.ABORTED.ordinal()]++;
    }

    /**
     * Once per poll: the poll's packets and fast-path redirects straight from its locals, and the
     * rest of {@link #pending} only if a packet left the fast path (a walk over every counter per
     * poll cost as much as a packet).
     */
    private void publishCounters(int total, int redirected) {
        if (total != 0) {
            counters.add(RxCounter.RX.ordinal(), total);
        } else {
            counters.increment(RxCounter.EMPTY_POLLS.ordinal());
        }
        if (redirected != 0) {
            counters.add(RxCounter.REDIRECT.ordinal(), redirected);
        }
        if (!slowCounts) {
            return;
        }
        slowCounts = false;
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] != 0) {
                counters.add(i, pending[i]);
                pending[i] = 0;
            }
        }
    }

    private void freeDropped() {
        Mbuf.freeBulk(dropped, drops);
        drops = 0;
    }

    public long counter(RxCounter c) {
        return counters.get(c.ordinal());
    }

    @Override
    public String work() {
        PacketFilter f = filter.get();
        return "filter " + (f == null ? "none" : f.name());
    }
}
