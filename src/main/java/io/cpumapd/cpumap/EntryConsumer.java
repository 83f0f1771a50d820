package io.cpumapd.cpumap;

/** What {@link CpuMap} needs of an entry's consumer: start it pinned, drain it. */
public interface EntryConsumer {
    /** Starts the consumer thread and returns once it runs (the kernel also waits for the kthread). */
    void start();

    /**
     * Called after a grace period: no producer will enqueue any more. The consumer processes what
     * the ring still holds (nothing is dropped for retirement), then stops; returns when it has.
     */
    void drainAndStop();
}
