package io.cpumapd.cpumap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The RCU grace period of the cpumap. Every thread that enqueues into entries' rings (RX workers,
 * consumers that redirect) is a {@link Participant}: at the end of every poll, after flushing its
 * bulk queues, it passes a quiescent point. {@link #synchronize()} returns once every online
 * participant has passed one after the call began: from then on no bulk queue holds, and no
 * thread will enqueue into, an entry that was unlinked before the call.
 *
 * <p>Quiescent-state-based, as DPDK's {@code rte_rcu_qsbr}: a grace period starts by advancing a
 * shared token; at its quiescent point a participant reads the token and publishes the value it
 * saw. A participant that published the new token had read it after the unlink, so everything it
 * does from then on sees the unlink; everything it did before (pushes to the old entry) is ordered
 * before its release store. So the hot path needs no store-load fence: per poll it reads one
 * rarely written word, and stores only when a grace period has started.
 */
public final class Quiescence {
    private static final VarHandle TOKEN;
    private static final VarHandle SEEN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TOKEN = lookup.findVarHandle(Quiescence.class, "token", long.class);
            SEEN = lookup.findVarHandle(Participant.class, "seen", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final java.time.Duration FOREVER = java.time.Duration.ofNanos(Long.MAX_VALUE);

    private final List<Participant> participants = new CopyOnWriteArrayList<>();
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07;
    /** Grace periods started; every participant reads it once per poll (volatile, a plain load on x86). */
    private volatile long token;
    @SuppressWarnings("unused")
    private long p11, p12, p13, p14, p15, p16, p17;

    public Participant register(String name) {
        Participant p = new Participant(name, token);
        participants.add(p);
        return p;
    }

    void unregister(Participant p) {
        participants.remove(p);
    }

    /** Waits for a grace period. Unlinking must happen before the call (a volatile store). */
    public void synchronize() {
        synchronize(FOREVER);
    }

    /**
     * A grace period that stops waiting for a participant that passed no quiescent point within
     * {@code patience} of the call (a thread stuck in a filter or program): returns those still owed,
     * empty when the grace period is complete. Until every one of them {@link #passed}, whatever it
     * may still write into an unlinked entry (its bulk queues) must stay valid: free the entry's ring
     * only then.
     */
    public List<Owed> synchronize(java.time.Duration patience) {
        long start = System.nanoTime();
        long t = (long) TOKEN.getAndAdd(this, 1L) + 1;
        List<Owed> owed = new java.util.ArrayList<>();
        for (Participant p : List.copyOf(participants)) {
            while (p.online && (long) SEEN.getAcquire(p) < t) {
                if (System.nanoTime() - start > patience.toNanos()) {
                    owed.add(new Owed(p, t));
                    break;
                }
                LockSupport.parkNanos(50_000);
            }
        }
        return owed;
    }

    /** Whether every participant of {@code owed} has passed a quiescent point since, or gone offline. */
    public static boolean passed(List<Owed> owed) {
        for (Owed o : owed) {
            if (o.participant().online && (long) SEEN.getAcquire(o.participant()) < o.token()) {
                return false;
            }
        }
        return true;
    }

    /** A participant a grace period stopped waiting for, and the token it has to publish. */
    public record Owed(Participant participant, long token) {
        @Override
        public String toString() {
            return participant.toString();
        }
    }

    /** One thread's quiescent-point report. Padded: its owner writes it when a grace period started. */
    public final class Participant {
        private final String name;
        @SuppressWarnings("unused")
        private long p01, p02, p03, p04, p05, p06, p07;
        /** The token this thread saw at its last quiescent point: plain reads by the owner, release stores. */
        private long seen;
        private volatile boolean online = true;
        @SuppressWarnings("unused")
        private long p11, p12, p13, p14, p15, p16, p17;

        private Participant(String name, long seen) {
            this.name = name;
            this.seen = seen;
        }

        /** Owner thread, at the end of every poll, after flushing. */
        public void quiescent() {
            long t = token;
            if (t != seen) {
                SEEN.setRelease(this, t);
            }
        }

        /** The owner stopped and flushed for good: grace periods stop waiting for it. */
        public void offline() {
            online = false;
            unregister(this);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
