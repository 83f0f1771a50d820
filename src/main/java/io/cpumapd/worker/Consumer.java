package io.cpumapd.worker;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterBlock;
import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.EntryConsumer;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Ring;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.skb.SkbHandle;
import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.agrona.concurrent.AgentTerminationException;

/**
 * The consumer of one cpumap entry (the kernel's {@code cpu_map_kthread_run}), pinned to the
 * entry's CPU: dequeues batches, runs the entry's program, hands PASS to the kernel through its
 * {@link Delivery}, redirects onward, frees the rest, and passes a quiescent point per batch.
 */
public final class Consumer extends HotAgent implements EntryConsumer {
    /** The dequeue batch with GRO on: up to 64 segments of a flow can become one frame. */
    public static final int GRO_BATCH = 64;
    private final CpuMapEntry entry;
    private final Ring ring;
    private final PacketFilter program;
    private final int batch;
    private final Arena arena = Arena.ofShared();
    private final HandleArray handles;
    private final HandleArray dropped;
    private final Packet packet = new Packet();
    private final CounterBlock counters;
    private final String idleStrategy;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean draining;
    private long lastPollNs;
    private int lastWork;

    /**
     * @param redirectors builds this consumer's producer side for second-stage REDIRECT to another entry
     * @param portTxs     builds its sender for REDIRECT to a DPDK port
     * @param deliveries  builds its way into the kernel (a TAP queue of its own)
     * @param counters    a one-row {@link ConsumerCounter} block this consumer writes
     */
    public Consumer(CpuMapEntry entry, int batch, String idleStrategy, Quiescence quiescence,
            Supplier<Redirector> redirectors, Supplier<PortTx> portTxs, Supplier<Delivery> deliveries,
            CounterBlock counters) {
        super("cpumap/" + entry.cpu() + "/map:" + entry.id(), entry.cpu(), quiescence, redirectors, portTxs,
                deliveries);
        this.counters = counters;
        this.entry = entry;
        this.ring = entry.ring();
        this.program = entry.program();
        // GRO sees what one dequeue round sees: a bigger round when it is on (the kernel flushes at 64).
        this.batch = entry.gro() ? Math.max(batch, GRO_BATCH) : batch;
        this.handles = new HandleArray(arena, this.batch);
        this.dropped = new HandleArray(arena, this.batch);
        this.idleStrategy = idleStrategy;
        IdleStrategies.byName(idleStrategy, () -> { }); // refuse an unknown name before any thread starts
    }


    @Override
    public void start() {
        start(IdleStrategies.byName(idleStrategy, () -> counters.increment(ConsumerCounter.SCHED.ordinal())));
    }

    @Override
    protected void onStarted() {
        lastPollNs = System.nanoTime();
        delivery.gro(entry.gro());
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        counters.add(lastWork > 0 ? ConsumerCounter.BUSY_NS.ordinal() : ConsumerCounter.IDLE_NS.ordinal(),
                now - lastPollNs);
        lastPollNs = now;
        // Read BEFORE the dequeue. draining is set once the grace period has ended, so every push into
        // this ring happened before it: a dequeue that starts after seeing it sees them all, and an
        // empty one means drained. Read after the dequeue instead, an empty dequeue could predate the
        // RX workers' last bulk pushes (made before their quiescent points, so before draining was set),
        // and those handles were left in the ring the reaper frees (CpuMap.cleanedUp, in multiples of
        // the bulk size).
        boolean drained = draining;
        // Replies the kernel steered to this consumer's TAP queue (tx follows rx) leave from here.
        int back = returnPath == null ? 0 : returnPath.poll();
        int n = ring.dequeueBurst(handles, batch);
        lastWork = n + back;
        if (n == 0) {
            participant.quiescent();
            if (drained) {
                throw new AgentTerminationException();
            }
            return back;
        }
        // This batch's counts, published once per batch as the RX worker does per poll.
        int drops = 0;
        int pass = 0;
        int drop = 0;
        int redirected = 0;
        int exceptions = 0;
        int tooShort = 0;
        boolean began = beginBatch();
        for (int i = 0; i < n; i++) {
            long h = handles.get(i);
            long m = SkbHandle.mbuf(h);
            switch (began ? run(m) : Verdict.ABORTED) {
                case PASS -> {
                    pass++;
                    if (!(SkbHandle.isSkb(h) ? delivery.passBuilt(m) : delivery.pass(m))) {
                        tooShort++;
                    }
                }
                case DROP -> {
                    drop++;
                    dropped.set(drops++, m);
                }
                case REDIRECT -> {
                    if (redirect(h)) {
                        redirected++;
                    } else {
                        exceptions++;
                        dropped.set(drops++, m);
                    }
                }
                default -> {
                    exceptions++;
                    dropped.set(drops++, m);
                }
            }
        }
        int refused = delivery.flush();
        redirector.flush();
        portTx.flush();
        Mbuf.freeBulk(dropped, drops);
        publish(n, pass, drop, redirected, exceptions, tooShort, refused);
        participant.quiescent();
        return n + back;
    }

    private void publish(int n, int pass, int drop, int redirected, int exceptions, int tooShort, int refused) {
        counters.add(ConsumerCounter.PROCESSED.ordinal(), n);
        add(ConsumerCounter.PASS, pass);
        add(ConsumerCounter.DROP, drop);
        add(ConsumerCounter.REDIRECT, redirected);
        add(ConsumerCounter.EXCEPTIONS, exceptions);
        add(ConsumerCounter.DROPS, tooShort + refused);
        add(ConsumerCounter.TOO_SHORT, tooShort);
        add(ConsumerCounter.INJECT_DROPS, refused);
    }

    private void add(ConsumerCounter c, int n) {
        if (n != 0) {
            counters.add(c.ordinal(), n);
        }
    }

    /** The program's {@link PacketFilter#beginBurst}, once per batch; false (the batch ABORTED) if it threw. */
    private boolean beginBatch() {
        if (program == null) {
            return true;
        }
        try {
            program.beginBurst();
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    private Verdict run(long m) {
        if (program == null) {
            return Verdict.PASS;
        }
        packet.wrap(m);
        try {
            Verdict v = program.filter(packet);
            packet.commit();
            return v == null ? Verdict.ABORTED : v;
        } catch (Throwable e) {
            // Errors too: a program's fault costs its packet (counted as an exception), never the consumer.
            return Verdict.ABORTED;
        }
    }

    /** A redirect keeps the handle's kind for another entry; a port takes the plain mbuf. */
    private boolean redirect(long h) {
        return switch (packet.targetKind()) {
            case Packet.TARGET_CPUMAP -> redirector.redirect(packet.targetKey(), h);
            case Packet.TARGET_PORT -> portTx.send(packet.targetKey(), SkbHandle.mbuf(h));
            default -> false;
        };
    }

    @Override
    protected void onClosed() {
        // A thread that ended by itself is restarted by the supervisor and drains later.
        if (draining || stopRequested()) {
            stopped.countDown();
        }
    }

    @Override
    protected boolean endsOnPurpose() {
        return draining;
    }

    @Override
    public String work() {
        return "program " + (program == null ? "pass" : program.name());
    }

    @Override
    public void drainAndStop() {
        draining = true;
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop();
        arena.close();
    }

    public long counter(ConsumerCounter c) {
        return counters.get(c.ordinal());
    }

}
