package io.cpumapd.worker;

import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Eal;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * quiescence domain and builds its thread-confined parts (producer side, port TX, delivery, return path);
 * {@link #onClose()} undoes that in reverse.
 *
 * <p>Supervision: every finished poll is counted ({@link #polls()}, one ordered store, through the idle
 * strategy Agrona calls after each {@code doWork}), so a watcher can tell a thread that makes no
 * progress (a filter that loops or blocks); a thread that ended without being stopped (an Error
 * escaped the loop, a filter interrupted it) can be started again with {@link #restart()}.
 */
public abstract class HotAgent implements Agent {
    private static final long START_TIMEOUT_MS = 10_000;
    /** The launch a thread was started for: set first thing on the thread, read by onStart and onClose. */
    private static final ThreadLocal<Launch> LAUNCH = new ThreadLocal<>();

    private final String name;
    private final int cpu;
    private final Quiescence quiescence;
    private final Supplier<Redirector> redirectors;
    private final Supplier<PortTx> portTxs;
    private final Supplier<Delivery> deliveries;
    private volatile Throwable failure;
    private volatile long startTimeoutMs = START_TIMEOUT_MS;
    /** Test hook: runs on a new thread before onStart (to delay a start past the timeout). */
    private volatile Runnable beforeStart = () -> { };
    private volatile AgentRunner runner;
    private volatile IdleStrategy idle;
    private volatile boolean stopRequested;
    /** Between onStart and the end of onClose of the current thread. */
    private volatile boolean live;
    /** A thread of this agent has started its loop at least once. */
    private volatile boolean everLive;
    private final AtomicLong polls = new AtomicLong();
    /** The thread as started: AgentRunner forgets its thread once closing begins. */
    private volatile Thread thread;

    // Thread-confined parts, made in onStart on the agent's own thread.
    protected Quiescence.Participant participant;
    protected Redirector redirector;
    protected PortTx portTx;
    protected Delivery delivery;
    /** What this thread reads of the TAPs and sends out the ports; null when it reads none. */
    protected ReturnPath returnPath;
    private Supplier<ReturnPath> returnPaths = () -> null;

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
     * What this thread reads of the TAPs (its own queue of each TAP whose port it can send on, and
     * for the first RX worker the queues no thread holds), built on its thread after its port
     * sender. Call before {@link #start}.
     */
    public final HotAgent returnPath(Supplier<ReturnPath> returnPaths) {
        this.returnPaths = returnPaths;
        return this;
    }

    /**
     * Starts the thread and waits until {@link #onStart()} has run; throws if it failed there.
     * Later exceptions of the loop are logged once per kind and counted (Agrona keeps the loop
     * running); {@link AgentTerminationException} is the loop's way to end, not an error.
     */
    public final void start(IdleStrategy idle) {
        this.idle = idle;
        launch();
    }

    /** Starts a thread again after the last one ended by itself ({@link #ended()}); as {@link #start}. */
    public final synchronized void restart() {
        if (!stopRequested) {
            launch();
        }
    }

    /**
     * One start of a thread, and the handshake that makes a late start harmless. The thread claims
     * the launch ({@link Launch#PENDING} to {@link Launch#SETTING_UP}) before it touches anything;
     * {@link #launch()}, when the start timeout passes first, cancels it ({@link Launch#PENDING} to
     * {@link Launch#CANCELLED}) before it throws. Only one of the two wins: a cancelled thread sets
     * up nothing, never polls (what its caller freed after the failed start, e.g. an entry's ring, is
     * never read) and ends; a thread that claimed first finishes its setup, which launch waits for.
     */
    private static final class Launch {
        static final int PENDING = 0;
        static final int SETTING_UP = 1;
        static final int CANCELLED = 2;
        final CountDownLatch ready = new CountDownLatch(1);
        final AtomicInteger state = new AtomicInteger(PENDING);
    }

    /** Test hook: how long {@link #start} waits for the thread to begin its setup. */
    final HotAgent startTimeout(long millis) {
        this.startTimeoutMs = millis;
        return this;
    }

    /** Test hook: runs on each new thread before its setup (a thread that starts late). */
    final HotAgent beforeStart(Runnable hook) {
        this.beforeStart = hook;
        return this;
    }

    private void launch() {
        Launch launch = new Launch();
        CountDownLatch ready = launch.ready;
        failure = null;
        LoopErrors errors = new LoopErrors();
        IdleStrategy counting = new ProgressIdle(idle, polls);
        AgentRunner r = new AgentRunner(counting, t -> {
            if (!(t instanceof AgentTerminationException) && ready.getCount() == 0 && t != failure) {
                errors.report(name, t);
            }
        }, null, this);
        runner = r;
        Runnable hook = beforeStart;
        AgentRunner.startOnThread(r, runnable -> {
            Thread t = new Thread(() -> {
                LAUNCH.set(launch);
                hook.run();
                runnable.run();
            }, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        long timeout = startTimeoutMs;
        boolean interrupted = false;
        boolean isReady;
        try {
            isReady = ready.await(timeout, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            isReady = false;
        }
        if (!isReady) {
            if (launch.state.compareAndSet(Launch.PENDING, Launch.CANCELLED)) {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException(name + (interrupted ? " start was interrupted"
                        : " did not start within " + timeout + " ms"));
            }
            // It began its setup just now: bounded work of ours (no filter runs there), waited for.
            while (true) {
                try {
                    ready.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException(name + " failed to start: " + failure, failure);
        }
    }

    /** Polls finished so far, over every thread this agent ran on. */
    public final long polls() {
        return polls.get();
    }

    /** Whether its thread ended without {@link #stop()}: what a supervisor restarts. */
    public final boolean ended() {
        Thread t = thread;
        // Not a thread created but not yet running its loop: only one that ran and is gone.
        return everLive && !live && t != null && !t.isAlive() && !stopRequested && !endsOnPurpose();
    }

    /** True once the loop is meant to end by itself (a consumer draining its ring): no restart then. */
    protected boolean endsOnPurpose() {
        return false;
    }

    /** Whether {@link #stop()} was called: a stopped agent is neither watched nor restarted. */
    public final boolean stopRequested() {
        return stopRequested;
    }

    /** What the thread runs, for a stall report (the filter or program by name). */
    public String work() {
        return "";
    }

    /** Stops the loop and waits for the thread to end ({@link #onClose()} has run). */
    public final void stop() {
        stopRequested = true;
        AgentRunner r = runner;
        if (r != null) {
            r.close();
        }
    }

    @Override
    public final void onStart() {
        Launch launch = LAUNCH.get();
        if (!launch.state.compareAndSet(Launch.PENDING, Launch.SETTING_UP)) {
            // Its launch gave up (start timeout) and its caller may have freed what it would poll: touch
            // nothing, end (onClose undoes nothing either).
            throw new AgentTerminationException(name + " started after its launch gave up");
        }
        CountDownLatch ready = launch.ready;
        try {
            Affinity.setAffinity(cpu);
            Eal.registerThread();
            participant = quiescence.register(name);
            redirector = redirectors.get();
            portTx = portTxs.get();
            delivery = deliveries.get();
            returnPath = returnPaths.get();
            onStarted();
            everLive = true;
            live = true;
        } catch (Throwable t) {
            failure = t;
            ready.countDown();
            throw t;
        }
        ready.countDown();
    }

    /** After the common setup, on the agent's thread, before the first {@code doWork}. */
    protected void onStarted() {
    }

    @Override
    public final void onClose() {
        Launch launch = LAUNCH.get(); // null: AgentRunner closing a runner whose thread never ran, on the closer
        if (launch != null && launch.state.get() == Launch.CANCELLED) {
            return; // set up nothing (onStart): the fields are another thread's, if any
        }
        if (participant != null) {
            participant.offline();
        }
        if (returnPath != null) {
            returnPath.close(); // its queues become orphans, read by the first RX worker from now on
        }
        if (portTx != null) {
            portTx.release(); // the TX queue the return path sent on too
        }
        if (Eal.lcoreId() != Eal.LCORE_ID_ANY) {
            Eal.unregisterThread();
        }
        onClosed();
        live = false;
    }

    /** After the common teardown, on the agent's thread. */
    protected void onClosed() {
    }

    /** Whether the agent's thread runs (started and not ended). */
    public final boolean threadAlive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    public final int cpu() {
        return cpu;
    }

    @Override
    public final String roleName() {
        return name;
    }

    /** Counts a finished poll (Agrona calls the idle strategy after every doWork), then idles as told. */
    private static final class ProgressIdle implements IdleStrategy {
        private final IdleStrategy inner;
        private final AtomicLong polls;

        ProgressIdle(IdleStrategy inner, AtomicLong polls) {
            this.inner = inner;
            this.polls = polls;
        }

        @Override
        public void idle(int workCount) {
            polls.lazySet(polls.get() + 1); // single writer: an ordered store, no atomic add
            inner.idle(workCount);
        }

        @Override
        public void idle() {
            inner.idle();
        }

        @Override
        public void reset() {
            inner.reset();
        }

        @Override
        public String alias() {
            return inner.alias();
        }
    }
}
