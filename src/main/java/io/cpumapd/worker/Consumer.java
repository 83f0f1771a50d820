package io.cpumapd.worker;

import io.cpumapd.cpumap.CpuMapEntry;
import io.cpumapd.cpumap.EntryConsumer;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Ring;
import io.cpumapd.metrics.Counters;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.skb.SkbHandle;
import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.openhft.affinity.Affinity;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;

/**
 * The consumer of one cpumap entry (the kernel's {@code cpu_map_kthread_run}), pinned to the
 * entry's CPU: dequeues batches, runs the entry's program, hands PASS to the kernel through its
 * {@link Delivery}, redirects onward, frees the rest, and passes a quiescent point per batch.
 */
public final class Consumer implements Agent, EntryConsumer {
    private final CpuMapEntry entry;
    private final Ring ring;
    private final PacketFilter program;
    private final int batch;
    private final Arena arena = Arena.ofShared();
    private final HandleArray handles;
    private final HandleArray dropped;
    private final Packet packet = new Packet();
    private final Counters counters = new Counters(ConsumerCounter.ALL.length);
    private final String idleStrategy;
    private final Quiescence quiescence;
    private final Supplier<Redirector> redirectors;
    private final Supplier<PortTx> portTxs;
    private final Supplier<Delivery> deliveries;
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile boolean draining;

    // Thread-confined state, made in onStart on the consumer's own thread.
    private Quiescence.Participant participant;
    private Redirector redirector;
    private PortTx portTx;
    private Delivery delivery;
    private Supplier<ReturnPath> returnPaths = () -> null;
    private ReturnPath returnPath;
    private AgentRunner runner;
    private long lastPollNs;
    private int lastWork;

    /**
     * @param redirectors builds this consumer's producer side for second-stage REDIRECT to another entry
     * @param portTxs     builds its sender for REDIRECT to a DPDK port
     * @param deliveries  builds its way into the kernel (a TAP queue of its own)
     */
    public Consumer(CpuMapEntry entry, int batch, String idleStrategy, Quiescence quiescence,
            Supplier<Redirector> redirectors, Supplier<PortTx> portTxs, Supplier<Delivery> deliveries) {
        this.entry = entry;
        this.ring = entry.ring();
        this.program = entry.program();
        this.batch = batch;
        this.handles = new HandleArray(arena, batch);
        this.dropped = new HandleArray(arena, batch);
        this.idleStrategy = idleStrategy;
        this.quiescence = quiescence;
        this.redirectors = redirectors;
        this.portTxs = portTxs;
        this.deliveries = deliveries;
        IdleStrategies.byName(idleStrategy, () -> { }); // refuse an unknown name before any thread starts
    }

    /**
     * What this consumer reads of the TAPs (its own queue of each, when it has a TX queue on that
     * TAP's port), built on its thread after its port sender. Call before {@link #start()}.
     */
    public Consumer returnPath(Supplier<ReturnPath> returnPaths) {
        this.returnPaths = returnPaths;
        return this;
    }

    @Override
    public void start() {
        ErrorHandler onError = t -> {
            failure = t;
        };
        runner = new AgentRunner(IdleStrategies.byName(idleStrategy, () -> counters.increment(
                ConsumerCounter.SCHED.ordinal())), onError, null, this);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, roleName());
            t.setDaemon(true);
            return t;
        });
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(roleName() + " did not start within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure != null) {
            throw new IllegalStateException(roleName() + " failed to start: " + failure, failure);
        }
    }

    @Override
    public void onStart() {
        try {
            Affinity.setAffinity(entry.cpu());
            Eal.registerThread();
            participant = quiescence.register(roleName());
            redirector = redirectors.get();
            portTx = portTxs.get();
            delivery = deliveries.get();
            returnPath = returnPaths.get();
            lastPollNs = System.nanoTime();
        } catch (Throwable t) {
            failure = t;
            started.countDown();
            throw t;
        }
        started.countDown();
    }

    @Override
    public int doWork() {
        long now = System.nanoTime();
        counters.add(lastWork > 0 ? ConsumerCounter.BUSY_NS.ordinal() : ConsumerCounter.IDLE_NS.ordinal(),
                now - lastPollNs);
        lastPollNs = now;
        // Replies the kernel steered to this consumer's TAP queue (tx follows rx) leave from here.
        int back = returnPath == null ? 0 : returnPath.poll();
        int n = ring.dequeueBurst(handles, batch);
        lastWork = n + back;
        if (n == 0) {
            participant.quiescent();
            if (draining) {
                // After the grace period nobody enqueues any more: empty means drained.
                throw new AgentTerminationException();
            }
            return back;
        }
        int drops = 0;
        for (int i = 0; i < n; i++) {
            long h = handles.get(i);
            long m = SkbHandle.mbuf(h);
            switch (run(m)) {
                case PASS -> {
                    counters.increment(ConsumerCounter.PASS.ordinal());
                    if (!(SkbHandle.isSkb(h) ? delivery.passBuilt(m) : delivery.pass(m))) {
                        counters.increment(ConsumerCounter.DROPS.ordinal());
                    }
                }
                case DROP -> {
                    counters.increment(ConsumerCounter.DROP.ordinal());
                    dropped.set(drops++, m);
                }
                case REDIRECT -> {
                    if (redirect(h)) {
                        counters.increment(ConsumerCounter.REDIRECT.ordinal());
                    } else {
                        counters.increment(ConsumerCounter.EXCEPTIONS.ordinal());
                        dropped.set(drops++, m);
                    }
                }
                default -> {
                    counters.increment(ConsumerCounter.EXCEPTIONS.ordinal());
                    dropped.set(drops++, m);
                }
            }
        }
        counters.add(ConsumerCounter.DROPS.ordinal(), delivery.flush());
        redirector.flush();
        portTx.flush();
        Mbuf.freeBulk(dropped, drops);
        counters.add(ConsumerCounter.PROCESSED.ordinal(), n);
        participant.quiescent();
        return n + back;
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
        } catch (RuntimeException e) {
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
    public void onClose() {
        if (participant != null) {
            participant.offline();
        }
        if (returnPath != null) {
            returnPath.close(); // its queues become orphans, read by the first RX worker from now on
        }
        if (portTx != null) {
            portTx.release();
        }
        if (Eal.lcoreId() != Eal.LCORE_ID_ANY) {
            Eal.unregisterThread();
        }
        stopped.countDown();
    }

    @Override
    public void drainAndStop() {
        draining = true;
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.close();
        arena.close();
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public long counter(int index) {
        return counters.get(index);
    }

    @Override
    public int counterCount() {
        return ConsumerCounter.ALL.length;
    }

    public Redirector redirector() {
        return redirector;
    }

    @Override
    public String roleName() {
        return "cpumap/" + entry.cpu() + "/map:" + entry.id();
    }
}
