package io.cpumapd.worker;

import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What one hot thread reads of the TAPs: its own queue on every TAP whose port it can send on,
 * and, for the pipeline's first RX worker, every queue no thread holds (see {@link
 * TapQueueOwners}). Built on the thread itself, as it starts; {@link #poll()} once per loop.
 */
public final class ReturnPath implements AutoCloseable {
    /** A TAP of a port, as the return path sees it. */
    public record Tap(io.cpumapd.tap.TapDevice device, Port port, TapQueueOwners owners, int mtu, boolean chains) {
    }

    private final Tap[] taps;
    private final int ownQueue;
    private final int token = TapQueueOwners.newToken();
    private final TapReturn[] own;
    private final TapReturn[][] orphans;
    private final boolean readsOrphans;
    private final Mempool pool;
    private final int lane;
    private final Arena arena;
    private final Consumer<TapReturn> onCreate;
    private final Consumer<TapReturn> onClose;
    private boolean closed;
    /** When the last poll found every queue empty; far in the past after one that found work. */
    private long lastEmptyNs = Long.MIN_VALUE / 2;
    private static final long EMPTY_PAUSE_NS = 20_000;

    /**
     * @param ownQueue     this thread's queue index on every TAP
     * @param lane         this thread's TX queue number, usable on a port when below its TX queue count
     * @param readsOrphans whether this thread also reads the queues nobody holds
     * @param txQueues     TX queues set up on each tap's port, in the order of {@code taps}
     * @param onCreate     told of every TapReturn made (counters), on this thread
     * @param onClose      told of every TapReturn closed, on this thread
     */
    public ReturnPath(List<Tap> taps, int[] txQueues, int ownQueue, int lane, boolean readsOrphans, Mempool pool,
            Arena arena, Consumer<TapReturn> onCreate, Consumer<TapReturn> onClose) {
        this.taps = taps.toArray(Tap[]::new);
        this.ownQueue = ownQueue;
        this.readsOrphans = readsOrphans;
        this.pool = pool;
        this.lane = lane;
        this.arena = arena;
        this.onCreate = onCreate;
        this.onClose = onClose;
        this.own = new TapReturn[this.taps.length];
        this.orphans = new TapReturn[this.taps.length][];
        for (int t = 0; t < this.taps.length; t++) {
            Tap tap = this.taps[t];
            orphans[t] = new TapReturn[tap.owners().queues()];
            boolean canSend = lane >= 0 && lane < txQueues[t];
            if (canSend && ownQueue >= 0 && ownQueue < tap.owners().queues()) {
                own[t] = make(tap, ownQueue);
                tap.owners().claim(ownQueue, token);
            }
        }
    }

    private TapReturn make(Tap tap, int queue) {
        TapReturn r = new TapReturn(tap.device(), queue, pool, tap.port(), lane, tap.mtu(), tap.chains(), arena);
        onCreate.accept(r);
        return r;
    }

    /**
     * Reads and sends one batch from each queue this thread reads now; returns the frames read.
     * A read of an empty queue is a system call: for {@link #EMPTY_PAUSE_NS} after a poll that
     * found nothing, polls return at once, so a busy RX loop does not pay a readv per queue per
     * burst while the kernel sends nothing (an answer waits that long at most).
     */
    public int poll() {
        long now = System.nanoTime();
        if (now - lastEmptyNs < EMPTY_PAUSE_NS) {
            return 0;
        }
        int work = pollQueues();
        lastEmptyNs = work > 0 ? Long.MIN_VALUE / 2 : now;
        return work;
    }

    private int pollQueues() {
        int work = 0;
        for (int t = 0; t < taps.length; t++) {
            TapReturn r = own[t];
            if (r != null && taps[t].owners().owns(ownQueue, token)) {
                work += r.poll();
            }
        }
        if (readsOrphans) {
            work += pollOrphans();
        }
        return work;
    }

    private int pollOrphans() {
        int work = 0;
        for (int t = 0; t < taps.length; t++) {
            TapQueueOwners owners = taps[t].owners();
            TapReturn[] readers = orphans[t];
            for (int q = 0; q < readers.length; q++) {
                if (owners.orphan(q)) {
                    TapReturn r = readers[q];
                    if (r == null) {
                        r = readers[q] = make(taps[t], q); // once per queue, on this thread
                    }
                    work += r.poll();
                }
            }
        }
        return work;
    }

    /** Gives the queues back (orphans from now on) and the mbufs held; on the owning thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int t = 0; t < taps.length; t++) {
            if (own[t] != null) {
                taps[t].owners().release(ownQueue, token);
                own[t].close();
                onClose.accept(own[t]);
            }
            for (TapReturn r : orphans[t]) {
                if (r != null) {
                    r.close();
                    onClose.accept(r);
                }
            }
        }
    }

    /** A ReturnPath that reads nothing (no TAP). */
    public static ReturnPath none(Mempool pool, Arena arena) {
        return new ReturnPath(List.of(), new int[0], -1, -1, false, pool, arena, r -> { }, r -> { });
    }

    /** For tests and counters: the TAPs this path knows. */
    public List<Tap> taps() {
        return new ArrayList<>(List.of(taps));
    }
}
