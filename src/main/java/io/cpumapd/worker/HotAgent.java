package io.cpumapd.worker;

import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Eal;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.openhft.affinity.Affinity;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.IdleStrategy;

/**
 * The one place a hot thread starts, runs its loop and stops: RX workers and consumers are both
 * hot agents. {@link #start} runs the agent on its own platform thread under Agrona's
 * {@link AgentRunner} with the given idle strategy and returns once the thread is set up; on that
 * thread {@link #onStart()} pins it to its cpu, registers it with DPDK (mempool caches), joins the
 * quiescence domain and builds its thread-confined parts (producer side, port TX, delivery);
 * {@link #onClose()} undoes that in reverse. A supervisor (restart, progress watch) belongs here.
 */
public abstract class HotAgent implements Agent {
    private static final long START_TIMEOUT_MS = 10_000;

    private final String name;
    private final int cpu;
    private final Quiescence quiescence;
    private final Supplier<Redirector> redirectors;
    private final Supplier<PortTx> portTxs;
    private final Supplier<Delivery> deliveries;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Throwable failure;
    private AgentRunner runner;

    // Thread-confined parts, made in onStart on the agent's own thread.
    protected Quiescence.Participant participant;
    protected Redirector redirector;
    protected PortTx portTx;
    protected Delivery delivery;

    protected HotAgent(String name, int cpu, Quiescence quiescence, Supplier<Redirector> redirectors,
            Supplier<PortTx> portTxs, Supplier<Delivery> deliveries) {
        this.name = name;
        this.cpu = cpu;
        this.quiescence = quiescence;
        this.redirectors = redirectors;
        this.portTxs = portTxs;
        this.deliveries = deliveries;
    }

    /**
     * Starts the thread and waits until {@link #onStart()} has run; throws if it failed there.
     * Later exceptions of the loop are logged once per kind and counted (Agrona keeps the loop
     * running); {@link AgentTerminationException} is the loop's way to end, not an error.
     */
    public final void start(IdleStrategy idle) {
        LoopErrors errors = new LoopErrors();
        runner = new AgentRunner(idle, t -> {
            if (!(t instanceof AgentTerminationException) && started.getCount() == 0 && t != failure) {
                errors.report(name, t);
            }
        }, null, this);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        try {
            if (!started.await(START_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " did not start within " + START_TIMEOUT_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure != null) {
            throw new IllegalStateException(name + " failed to start: " + failure, failure);
        }
    }

    /** Stops the loop and waits for the thread to end ({@link #onClose()} has run). */
    public final void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    @Override
    public final void onStart() {
        try {
            Affinity.setAffinity(cpu);
            Eal.registerThread();
            participant = quiescence.register(name);
            redirector = redirectors.get();
            portTx = portTxs.get();
            delivery = deliveries.get();
            onStarted();
        } catch (Throwable t) {
            failure = t;
            started.countDown();
            throw t;
        }
        started.countDown();
    }

    /** After the common setup, on the agent's thread, before the first {@code doWork}. */
    protected void onStarted() {
    }

    @Override
    public final void onClose() {
        if (participant != null) {
            participant.offline();
        }
        if (portTx != null) {
            portTx.release();
        }
        if (Eal.lcoreId() != Eal.LCORE_ID_ANY) {
            Eal.unregisterThread();
        }
        onClosed();
    }

    /** After the common teardown, on the agent's thread. */
    protected void onClosed() {
    }

    public final int cpu() {
        return cpu;
    }

    @Override
    public final String roleName() {
        return name;
    }
}
