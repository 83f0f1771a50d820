package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.gso.Gro;
import io.cpumapd.skb.SkBuff;
import io.cpumapd.skb.SkBuffBuilder;
import io.cpumapd.skb.SkBuffPool;
import io.cpumapd.tap.InjectorCounters;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapInjector;
import java.lang.foreign.Arena;
import java.util.Arrays;

/**
 * PASS into the kernel: builds an SkBuff per packet (preallocated, one per batch slot) and
 * injects it into the TAP of the port it arrived on (the kernel's cpumap keeps the receiving
 * device as {@code skb->dev}), this thread's queue of that TAP; one native call per TAP and batch,
 * then the mbufs are freed. A chained frame goes in whole, an iovec per segment. Frames shorter
 * than an Ethernet header are not injected: counted in {@link #tooShort()} and freed; so are
 * frames from a port without a TAP.
 */
public final class TapDelivery implements Delivery {
    private static final int MAX_PORTS = 64;
    private final SkBuffBuilder builder = new SkBuffBuilder();
    private final SkBuffPool skbs;
    /** Indexed by DPDK port id; null where the port has no TAP. */
    private final TapInjector[] injectors;
    private final long[] macs;
    private final TapInjector[] used;
    private final HandleArray pending;
    private final InjectorCounters counters = new InjectorCounters();
    private final int queue;
    private int count;
    private int usedCount;
    private int refused; // by flushes that pass() made itself, reported by the next flush()
    private final Gro gro;
    private boolean groOn;

    /** One TAP for every frame, whatever its port (tests, benchmarks, a single-port pipeline). */
    public TapDelivery(TapDevice tap, int queue, int capacity, Arena arena) {
        this(new TapDevice[] {tap}, queue, capacity, arena, true);
    }

    /** @param tapsByPort the TAP of each DPDK port id, null where a port has none */
    public TapDelivery(TapDevice[] tapsByPort, int queue, int capacity, Arena arena) {
        this(tapsByPort, queue, capacity, arena, false);
    }

    private TapDelivery(TapDevice[] taps, int queue, int capacity, Arena arena, boolean anyPort) {
        this.queue = queue;
        this.skbs = new SkBuffPool(capacity, arena);
        this.pending = new HandleArray(arena, capacity);
        // A single TAP for any port: spread it over every port id DPDK can have (RTE_MAX_ETHPORTS is 32).
        int size = anyPort ? MAX_PORTS : taps.length;
        this.injectors = new TapInjector[size];
        this.macs = new long[size];
        int distinct = 0;
        TapInjector single = null;
        for (int i = 0; i < taps.length; i++) {
            if (taps[i] != null) {
                TapInjector inj = new TapInjector(taps[i], queue, capacity, counters);
                distinct++;
                if (anyPort) {
                    single = inj;
                } else {
                    injectors[i] = inj;
                    macs[i] = taps[i].macAddress48();
                }
            }
        }
        if (anyPort) {
            Arrays.fill(injectors, single);
            Arrays.fill(macs, taps[0].macAddress48());
        }
        this.used = new TapInjector[Math.max(distinct, 1)];
        this.gro = new Gro(counters.block(), new Gro.Sink() {
            @Override
            public void room(TapInjector inj, int pieces) {
                if (!inj.fits(pieces)) {
                    refused += inj.pending() - inj.flush(); // the held mbufs are freed later, by flush()
                }
            }

            @Override
            public void added(TapInjector inj) {
                markUsed(inj);
            }
        }, capacity, arena);
    }

    /**
     * Turns GRO on or off (by default off): TCP segments of a flow passed between two flushes go into
     * the kernel as one GSO frame ({@link Gro}). Only on the delivering thread, between flushes.
     */
    @Override
    public void gro(boolean on) {
        if (gro.held() != 0) {
            throw new IllegalStateException("GRO switched with segments held: flush first");
        }
        this.groOn = on;
    }

    public boolean groOn() {
        return groOn;
    }

    private TapInjector injector(long m) {
        int port = Mbuf.port(m);
        return port < injectors.length ? injectors[port] : null;
    }

    @Override
    public boolean pass(long m) {
        TapInjector inj = injector(m);
        if (count == pending.capacity() || (inj != null && !inj.fits(Mbuf.segments(m)))) {
            refused += flush();
        }
        SkBuff skb = skbs.get(count);
        pending.set(count++, m);
        if (inj == null) {
            return false; // no TAP for that port: freed with the batch
        }
        builder.deviceMac(macs[Mbuf.port(m)]);
        if (!builder.build(skb, m)) {
            return false; // too short: freed with the batch
        }
        if (groOn && gro.offer(m, inj, skb.vnetHeaderAddress())) {
            return true; // held: written by the flush, freed after it
        }
        if (!add(inj, skb.vnetHeaderAddress(), m)) {
            return false; // too short, or more segments than a frame may have: freed with the batch
        }
        return true;
    }

    @Override
    public boolean passBuilt(long m) {
        TapInjector inj = injector(m);
        if (count == pending.capacity() || (inj != null && !inj.fits(Mbuf.segments(m)))) {
            refused += flush();
        }
        pending.set(count++, m);
        if (inj == null) {
            return false;
        }
        // The RX core's header in the mbuf goes with a segment written alone; a GSO frame gets GRO's own.
        if (groOn && gro.offer(m, inj, Mbuf.vnetHeaderAddress(m))) {
            return true;
        }
        return add(inj, Mbuf.vnetHeaderAddress(m), m);
    }

    private boolean add(TapInjector inj, long header, long m) {
        boolean added = inj.addChain(header, m);
        if (added) {
            markUsed(inj);
        }
        return added;
    }

    private void markUsed(TapInjector inj) {
        for (int i = 0; i < usedCount; i++) {
            if (used[i] == inj) {
                return;
            }
        }
        used[usedCount++] = inj;
    }

    @Override
    public int flush() {
        if (count == 0) {
            int failed = refused;
            refused = 0;
            return failed;
        }
        gro.flushAll(); // before any write: held segments are pending mbufs, freed below
        int failed = refused;
        refused = 0;
        for (int i = 0; i < usedCount; i++) {
            TapInjector inj = used[i];
            int queued = inj.pending();
            failed += queued - inj.flush(); // the kernel copied the frames: the mbufs can go
            used[i] = null;
        }
        usedCount = 0;
        gro.written();
        Mbuf.freeBulk(pending, count);
        count = 0;
        return failed;
    }

    public int queue() {
        return queue;
    }

    /** Injections into every TAP this thread writes to. */
    public InjectorCounters counters() {
        return counters;
    }

    @Override
    public CounterBlock tapCounters() {
        return counters.block();
    }

    /** Any thread: frames dropped because they are shorter than an Ethernet header. */
    public long tooShort() {
        return builder.tooShort();
    }
}
