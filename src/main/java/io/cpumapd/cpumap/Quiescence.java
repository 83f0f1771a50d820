package io.cpumapd.cpumap;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The RCU grace period of the cpumap. Every thread that enqueues into entries' rings (RX workers,
 * consumers that redirect) is a {@link Participant}: at the end of every poll, after flushing its
 * bulk queues, it passes a quiescent point. {@link #synchronize()} returns once every online
 * participant has passed one after the call began: from then on no bulk queue holds, and no
 * thread will enqueue into, an entry that was unlinked before the call.
 */
public final class Quiescence {
    private final List<Participant> participants = new CopyOnWriteArrayList<>();

    public Participant register(String name) {
        Participant p = new Participant(name);
        participants.add(p);
        return p;
    }

    void unregister(Participant p) {
        participants.remove(p);
    }

    /** Waits for a grace period. Unlinking must happen before the call (a volatile store). */
    public void synchronize() {
        List<Participant> now = List.copyOf(participants);
        long[] seen = new long[now.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = now.get(i).counter;
        }
        for (int i = 0; i < seen.length; i++) {
            Participant p = now.get(i);
            while (p.online && p.counter == seen[i]) {
                LockSupport.parkNanos(50_000);
            }
        }
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
        List<Participant> now = List.copyOf(participants);
        long[] seen = new long[now.size()];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = now.get(i).counter;
        }
        List<Owed> owed = new java.util.ArrayList<>();
        for (int i = 0; i < seen.length; i++) {
            Participant p = now.get(i);
            while (p.online && p.counter == seen[i]) {
                if (System.nanoTime() - start > patience.toNanos()) {
                    owed.add(new Owed(p, seen[i]));
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
            if (o.participant().online && o.participant().counter == o.seen()) {
                return false;
            }
        }
        return true;
    }

    /** A participant a grace period stopped waiting for, and the counter it had then. */
    public record Owed(Participant participant, long seen) {
        @Override
        public String toString() {
            return participant.toString();
        }
    }

    /** One thread's quiescent-point counter. Padded: written once per poll by its owner. */
    public final class Participant {
        private final String name;
        @SuppressWarnings("unused")
        private long p01, p02, p03, p04, p05, p06, p07;
        private volatile long counter;
        private volatile boolean online = true;
        @SuppressWarnings("unused")
        private long p11, p12, p13, p14, p15, p16, p17;

        private Participant(String name) {
            this.name = name;
        }

        /** Owner thread, at the end of every poll, after flushing. */
        public void quiescent() {
            counter = counter + 1;
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
