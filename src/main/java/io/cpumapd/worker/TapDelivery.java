package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.skb.SkBuff;
import io.cpumapd.skb.SkBuffBuilder;
import io.cpumapd.skb.SkBuffPool;
import io.cpumapd.tap.InjectorCounters;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapInjector;
import java.lang.foreign.Arena;

/**
 * PASS into the kernel: builds an SkBuff per packet (preallocated, one per batch slot) and
 * injects the batch into this thread's TAP queue with one native call, then frees the mbufs.
 * Frames shorter than an Ethernet header are not injected: counted in {@link #tooShort()} and freed.
 */
public final class TapDelivery implements Delivery {
    private final SkBuffBuilder builder = new SkBuffBuilder();
    private final SkBuffPool skbs;
    private final TapInjector injector;
    private final HandleArray pending;
    private final int queue;
    private int count;
    private int refused; // by flushes that pass() made itself, reported by the next flush()

    public TapDelivery(TapDevice tap, int queue, int capacity, Arena arena) {
        this.queue = queue;
        this.skbs = new SkBuffPool(capacity, arena);
        this.injector = new TapInjector(tap, queue, capacity);
        this.pending = new HandleArray(arena, capacity);
        builder.deviceMac(tap.macAddress48());
    }

    @Override
    public boolean pass(long m) {
        if (count == pending.capacity()) {
            refused += flush();
        }
        SkBuff skb = skbs.get(count);
        pending.set(count++, m);
        if (!builder.build(skb, m)) {
            return false;
        }
        injector.add(skb.vnetHeaderAddress(), skb.dataAddress(), skb.length());
        return true;
    }

    @Override
    public boolean passBuilt(long m) {
        if (count == pending.capacity()) {
            refused += flush();
        }
        pending.set(count++, m);
        injector.add(Mbuf.vnetHeaderAddress(m), Mbuf.dataAddress(m), Mbuf.dataLength(m));
        return true;
    }

    @Override
    public int flush() {
        int queued = injector.pending();
        int failed = refused;
        refused = 0;
        if (count == 0) {
            return failed;
        }
        failed += queued - injector.flush(); // the kernel copied the frames: the mbufs can go
        Mbuf.freeBulk(pending, count);
        count = 0;
        return failed;
    }

    public int queue() {
        return queue;
    }

    public InjectorCounters counters() {
        return injector.counters();
    }

    @Override
    public CounterBlock tapCounters() {
        return injector.counters().block();
    }

    /** Any thread: frames dropped because they are shorter than an Ethernet header. */
    public long tooShort() {
        return builder.tooShort();
    }
}
