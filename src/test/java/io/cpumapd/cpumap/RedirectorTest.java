package io.cpumapd.cpumap;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.testkit.TestEal;
import java.lang.foreign.Arena;
import java.util.BitSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The producer side as the RX worker's inner loop uses it: a run of appends without a push, then
 * {@link Redirector#pushFull()} pushes the bulks that filled, {@link Redirector#BULK} per ring
 * enqueue, oldest first, and the end-of-poll flush pushes the rest. Real mbufs, a real ring; the
 * entry's consumer is not started, so the ring shows exactly what was pushed.
 */
class RedirectorTest {
    static Eal eal;
    static Mempool pool;

    @BeforeAll
    static void start() {
        eal = TestEal.start();
        pool = Mempool.create("redirtest", 255, 0, Mempool.DEFAULT_DATA_ROOM);
    }

    @AfterAll
    static void stop() {
        pool.close();
        eal.close();
    }

    /** An entry whose consumer never runs: what reaches the ring stays there until the test takes it. */
    static final class Parked implements EntryConsumer {
        @Override
        public void start() {
        }

        @Override
        public void drainAndStop() {
        }
    }

    /** A one-entry map on CPU 0 whose consumers never run. */
    private static CpuMap parkedMap() {
        BitSet cpus = new BitSet();
        cpus.set(0);
        return new CpuMap(1, cpus, new Quiescence(), (m, e) -> new Parked());
    }

    @Test
    void aRunIsPushedInFullBulksInOrderAndTheFlushPushesTheRest() {
        CpuMap map = parkedMap();
        try (Arena arena = Arena.ofConfined()) {
            CpuMapEntry entry = map.update(0, 128, null, CpuMap.ANY);
            Redirector r = new Redirector(map, arena);
            int n = 1 + Redirector.RUN; // the slow path's first packet opens the queue, then a whole run
            HandleArray mbufs = new HandleArray(arena, n);
            assertThat(Mbuf.allocBulk(pool, mbufs, n)).isTrue();

            assertThat(r.append(0, mbufs.get(0))).as("not open before the first redirect this poll").isFalse();
            assertThat(r.redirect(0, mbufs.get(0))).isTrue();
            for (int i = 1; i < n; i++) {
                assertThat(r.append(0, mbufs.get(i))).isTrue();
            }
            assertThat(r.counter(0, EnqueueCounter.BULK_CALLS)).as("nothing pushed during the run").isZero();
            assertThat(entry.ring().count()).isZero();

            r.pushFull();
            int full = n / Redirector.BULK * Redirector.BULK;
            assertThat(r.counter(0, EnqueueCounter.BULK_CALLS)).isEqualTo(n / Redirector.BULK);
            assertThat(r.counter(0, EnqueueCounter.ENQUEUED)).isEqualTo(full);
            assertThat(entry.ring().count()).isEqualTo(full);

            r.flush();
            assertThat(r.counter(0, EnqueueCounter.BULK_CALLS)).isEqualTo(n / Redirector.BULK + 1);
            assertThat(r.counter(0, EnqueueCounter.ENQUEUED)).isEqualTo(n);
            assertThat(r.counter(0, EnqueueCounter.DROPS)).isZero();

            HandleArray out = new HandleArray(arena, 128);
            assertThat(entry.ring().dequeueBurst(out, 128)).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(out.get(i)).as("handle %d in append order", i).isEqualTo(mbufs.get(i));
            }
            Mbuf.freeBulk(out, n);
            assertThat(pool.inUse()).isZero();
        } finally {
            map.close();
        }
    }

    @Test
    void aFullRingFreesAndCountsWhatABulkCouldNotEnqueue() {
        CpuMap map = parkedMap();
        try (Arena arena = Arena.ofConfined()) {
            CpuMapEntry entry = map.update(0, 8, null, CpuMap.ANY);
            int capacity = entry.ring().capacity();
            Redirector r = new Redirector(map, arena);
            int n = capacity + 2 * Redirector.BULK + 3;
            HandleArray mbufs = new HandleArray(arena, n);
            assertThat(Mbuf.allocBulk(pool, mbufs, n)).isTrue();
            assertThat(r.redirect(0, mbufs.get(0))).isTrue();
            for (int i = 1; i < n; i++) {
                assertThat(r.append(0, mbufs.get(i))).isTrue();
            }
            r.pushFull();
            r.flush();
            assertThat(r.counter(0, EnqueueCounter.ENQUEUED)).isEqualTo(capacity);
            assertThat(r.counter(0, EnqueueCounter.DROPS)).isEqualTo(n - capacity);
            assertThat(r.counter(0, EnqueueCounter.BULK_CALLS)).isEqualTo((n + Redirector.BULK - 1) / Redirector.BULK);
            assertThat(pool.inUse()).as("the ring's share only").isEqualTo(capacity);
            HandleArray out = new HandleArray(arena, capacity);
            assertThat(entry.ring().dequeueBurst(out, capacity)).isEqualTo(capacity);
            Mbuf.freeBulk(out, capacity);
            assertThat(pool.inUse()).isZero();
        } finally {
            map.close();
        }
    }
}
