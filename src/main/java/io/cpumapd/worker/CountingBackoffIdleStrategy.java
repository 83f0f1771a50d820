package io.cpumapd.worker;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * Spin, then yield, then park with a doubling period: Agrona's BackoffIdleStrategy, plus a count
 * of the parks. A park is the consumer giving its core away, the {@code sched} of the kernel's
 * {@code xdp_cpumap_kthread} tracepoint. Single-threaded; it counts nothing itself: each park calls
 * {@code onPark}, which the consumer points at its {@code SCHED} counter.
 */
public final class CountingBackoffIdleStrategy implements IdleStrategy {
    private final long maxSpins;
    private final long maxYields;
    private final long minParkPeriodNs;
    private final long maxParkPeriodNs;
    private long spins;
    private long yields;
    private long parkPeriodNs;
    private final Runnable onPark;

    public CountingBackoffIdleStrategy(long maxSpins, long maxYields, long minParkPeriodNs, long maxParkPeriodNs,
            Runnable onPark) {
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkPeriodNs = minParkPeriodNs;
        this.maxParkPeriodNs = maxParkPeriodNs;
        this.onPark = onPark;
        reset();
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (spins < maxSpins) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < maxYields) {
            yields++;
            Thread.yield();
        } else {
            onPark.run();
            LockSupport.parkNanos(parkPeriodNs);
            parkPeriodNs = Math.min(parkPeriodNs << 1, maxParkPeriodNs);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkPeriodNs = minParkPeriodNs;
    }

    @Override
    public String alias() {
        return "backoff";
    }
}
