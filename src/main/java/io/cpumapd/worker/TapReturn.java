package io.cpumapd.worker;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.TapReturnCounter;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.MbufStash;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.dpdk.TxBuffer;
import io.cpumapd.gso.Segmenter;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapReader;
import java.lang.foreign.Arena;

/**
 * The return path of one TAP queue, run by the hot thread that reads it: a batch of what the
 * kernel sent is read into mbufs, made ready for the wire ({@link Segmenter}: checks, checksums,
 * segmentation) and sent out the TAP's port with one tx burst from a TX queue this thread owns.
 * Nothing is allocated per frame and there is one native call per batch for each of read, send
 * and free. Made on the owning thread (its stashes use that thread's mempool cache) and used
 * there only; the counters are read by anyone.
 */
public final class TapReturn implements AutoCloseable {
    public static final int BURST = 32;

    private final TapReader reader;
    private final MbufStash stash;
    private final Segmenter segmenter;
    private final TxBuffer tx;
    private final int maxFrameBytes;
    private final boolean chains;
    private final HandleArray burst;
    private final HandleArray dropped;
    private static final TapReturnCounter[] COUNTERS = TapReturnCounter.values();
    private final CounterBlock counters = CounterBlock.of(COUNTERS);
    private final int[] pending = new int[COUNTERS.length];
    private final int queue;
    private final TapDevice tap;
    private long lastSent;
    private long lastTxDropped;
    private boolean closed;

    /**
     * @param txQueue a TX queue of {@code port} this thread alone sends on, -1 when it has none
     *                (then every frame read is dropped as {@link TapReturnCounter#NO_TX_QUEUE})
     * @param mtu     the port's MTU: no frame bigger than it plus the Ethernet header leaves
     */
    public TapReturn(TapDevice tap, int queue, Mempool pool, Port port, int txQueue, int mtu, boolean chains,
            Arena arena) {
        this.queue = queue;
        this.tap = tap;
        // Rooms for the biggest frame the kernel may send, whatever the TAP's MTU becomes later.
        this.reader = new TapReader(tap, queue, pool, port.id(), TapReader.MAX_GSO_FRAME_BYTES, arena);
        this.stash = new MbufStash(pool, 32, arena);
        this.segmenter = new Segmenter(stash, pool.segmentRoom(), BURST, arena);
        this.tx = txQueue < 0 ? null : new TxBuffer(port, txQueue, 2 * BURST, arena);
        this.maxFrameBytes = mtu + 14;
        this.chains = chains;
        this.burst = new HandleArray(arena, BURST);
        this.dropped = new HandleArray(arena, BURST);
    }

    /** Reads, prepares and sends one batch; returns the frames read (0: the queue was empty). */
    public int poll() {
        int n = reader.read(burst, BURST);
        if (n <= 0) {
            return 0; // an error before any frame (a detached queue) reads as idle; the reader counts it
        }
        int drops = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long m = burst.get(i);
            bytes += Mbuf.packetLength(m);
            if (tx == null) {
                pending[TapReturnCounter.NO_TX_QUEUE.ordinal()]++;
                dropped.set(drops++, m);
                continue;
            }
            int r = segmenter.process(m, tx, maxFrameBytes, chains);
            if (r < 0) {
                pending[reason(r).ordinal()]++;
                dropped.set(drops++, m);
            }
        }
        if (tx != null) {
            tx.flush();
        }
        segmenter.freeSpent();
        Mbuf.freeBulk(dropped, drops);
        pending[TapReturnCounter.READ.ordinal()] += n;
        counters.add(TapReturnCounter.READ_BYTES.ordinal(), bytes);
        publish();
        return n;
    }

    private static TapReturnCounter reason(int r) {
        return switch (r) {
            case Segmenter.TOO_BIG -> TapReturnCounter.TOO_BIG;
            case Segmenter.MALFORMED -> TapReturnCounter.MALFORMED;
            default -> TapReturnCounter.SEGMENTATION_FAILED;
        };
    }

    private void publish() {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] != 0) {
                counters.add(i, pending[i]);
                pending[i] = 0;
            }
        }
        if (tx != null) {
            long sent = tx.sent();
            long txDropped = tx.dropped();
            counters.add(TapReturnCounter.SENT.ordinal(), sent - lastSent);
            counters.add(TapReturnCounter.TX_FULL.ordinal(), txDropped - lastTxDropped);
            lastSent = sent;
            lastTxDropped = txDropped;
        }
        long segmented = segmenter.segmented();
        counters.add(TapReturnCounter.SEGMENTED.ordinal(), segmented - counters.get(TapReturnCounter.SEGMENTED.ordinal()));
        counters.add(TapReturnCounter.SEGMENTS.ordinal(), segmenter.segments() - counters.get(TapReturnCounter.SEGMENTS.ordinal()));
    }

    public int queue() {
        return queue;
    }

    public TapDevice tap() {
        return tap;
    }

    /** Any thread. */
    public long counter(TapReturnCounter c) {
        return counters.get(c.ordinal());
    }

    /** The one-row block of this reader's counters, for the pipeline's counter registry. */
    public CounterBlock counters() {
        return counters;
    }

    /** Frames the kernel lost while this reader read them (refused, or bigger than the rooms). */
    public long readErrors() {
        return reader.errors();
    }

    /** Batches cut short by an empty mempool (the frames waited in the TAP queue). */
    public long noMbuf() {
        return reader.noMbuf();
    }

    /** Gives the stashed mbufs back: on the owning thread, when it stops reading this queue. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (tx != null) {
                tx.flush();
            }
            reader.close();
            stash.close();
        }
    }
}
