package io.cpumapd.pipeline;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.SupervisionCounter;
import io.cpumapd.worker.HotAgent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches every hot thread of a pipeline from one platform thread: a thread that ended by itself is
 * restarted at the next check (every {@link #PERIOD}, so its queues are polled again within a
 * second), a thread that finished no poll for the stall time is marked stalled with what it runs
 * (its filter or program), until it makes progress again. Each is counted ({@link SupervisionCounter},
 * one row per RX worker, then per cpumap key) and logged once per episode. Nothing here touches the
 * hot path: it reads each agent's poll count.
 */
final class Supervisor implements AutoCloseable {
    static final Duration PERIOD = Duration.ofMillis(100);
    private static final System.Logger LOG = System.getLogger("cpumapd.supervisor");

    private volatile Duration stallAfter;
    private final CounterBlock counters;
    private final Map<HotAgent, Watch> watched = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cpumapd-supervisor");
        t.setDaemon(true);
        return t;
    });

    /** @param counters the {@link SupervisionCounter} block, one row per watched row number */
    Supervisor(Duration stallAfter, CounterBlock counters) {
        this.stallAfter = stallAfter;
        this.counters = counters;
        timer.scheduleWithFixedDelay(this::check, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The stall time from now on (a reload). */
    void stallAfter(Duration d) {
        stallAfter = d;
    }

    /** Watches {@code agent}, counted in row {@code row}, from now until {@link #forget}. */
    void watch(HotAgent agent, int row) {
        watched.put(agent, new Watch(row, agent.polls(), System.nanoTime()));
    }

    /** Stops watching {@code agent} (its entry is freed); on the supervisor's thread, the counters' one writer. */
    void forget(HotAgent agent) {
        try {
            timer.execute(() -> {
                Watch w = watched.remove(agent);
                if (w != null && w.stalled) {
                    add(w, SupervisionCounter.STALLED, -1);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            watched.remove(agent); // closed: nothing is counted any more
        }
    }

    /** The watched threads stalled now, each as "name (its work)". */
    List<String> stalled() {
        return watched.entrySet().stream().filter(e -> e.getValue().stalled)
                .map(e -> e.getKey().roleName() + " (" + e.getKey().work() + ")").sorted().toList();
    }

    boolean isStalled(HotAgent agent) {
        Watch w = watched.get(agent);
        return w != null && w.stalled;
    }

    private void check() {
        long now = System.nanoTime();
        for (Map.Entry<HotAgent, Watch> e : watched.entrySet()) {
            HotAgent a = e.getKey();
            Watch w = e.getValue();
            try {
                if (a.stopRequested()) {
                    continue;
                }
                if (a.ended()) {
                    restart(a, w);
                    continue;
                }
                long polls = a.polls();
                if (polls != w.polls) {
                    w.polls = polls;
                    w.sinceNs = now;
                    if (w.stalled) {
                        w.stalled = false;
                        add(w, SupervisionCounter.STALLED, -1);
                        LOG.log(Level.INFO, "{0} makes progress again", a.roleName());
                    }
                } else if (!w.stalled && now - w.sinceNs > stallAfter.toNanos()) {
                    w.stalled = true;
                    add(w, SupervisionCounter.STALLS, 1);
                    add(w, SupervisionCounter.STALLED, 1);
                    LOG.log(Level.WARNING, "{0} stalled: no poll finished for {1} ms ({2})", a.roleName(),
                            Long.toString(stallAfter.toMillis()), a.work()); // a string: MessageFormat would print 2,000
                }
            } catch (RuntimeException ex) {
                LOG.log(Level.ERROR, "supervising " + a.roleName(), ex);
            }
        }
    }

    private void restart(HotAgent a, Watch w) {
        add(w, SupervisionCounter.RESTARTS, 1);
        if (!w.restartLogged) {
            w.restartLogged = true; // once: a thread that keeps ending is counted, not logged every time
            LOG.log(Level.WARNING, "{0} ended by itself ({1}); restarting it (further restarts are only counted)",
                    a.roleName(), a.work());
        }
        a.restart();
        w.polls = a.polls();
        w.sinceNs = System.nanoTime();
    }

    private void add(Watch w, SupervisionCounter c, long delta) {
        counters.add(w.row * SupervisionCounter.values().length + c.ordinal(), delta);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Supervisor-thread state of one agent. */
    private static final class Watch {
        final int row;
        long polls;
        long sinceNs;
        volatile boolean stalled;
        boolean restartLogged;

        Watch(int row, long polls, long sinceNs) {
            this.row = row;
            this.polls = polls;
            this.sinceNs = sinceNs;
        }
    }
}
