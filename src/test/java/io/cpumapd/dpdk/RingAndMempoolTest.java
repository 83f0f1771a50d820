package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.testkit.TestEal;
import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RingAndMempoolTest {
    static Eal eal;
    static Mempool pool;
    Arena arena = Arena.ofConfined();

    @BeforeAll
    static void start() {
        eal = TestEal.start();
        pool = Mempool.create("ring_test", 511, 16, Mempool.DEFAULT_DATA_ROOM);
    }

    @AfterEach
    void noLeak() {
        arena.close();
        assertThat(pool.inUse()).as("mbufs in use after the test").isZero();
    }

    @AfterAll
    static void stop() {
        pool.close();
        eal.close();
    }

    @Test
    void ringKeepsHandlesAndOrder() {
        try (Ring ring = Ring.create("order", 1024, Ring.SINGLE_CONSUMER)) {
            assertThat(ring.capacity()).isEqualTo(1023);
            HandleArray in = new HandleArray(arena, 100);
            HandleArray out = new HandleArray(arena, 100);
            long next = 0x1000;
            long expected = 0x1000;
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 100; i++) {
                    in.set(i, next);
                    next += 8;
                }
                assertThat(ring.enqueueBurst(in, 0, 60)).isEqualTo(60);
                assertThat(ring.enqueueBurst(in, 60, 40)).isEqualTo(40);
                assertThat(ring.count()).isEqualTo(100);
                int got = 0;
                while (got < 100) {
                    int n = ring.dequeueBurst(out, 33);
                    for (int i = 0; i < n; i++) {
                        assertThat(out.get(i)).isEqualTo(expected);
                        expected += 8;
                    }
                    got += n;
                }
                assertThat(ring.count()).isZero();
            }
        }
    }

    @Test
    void fullRingTakesFewerThanAsked() {
        try (Ring ring = Ring.create("full", 16, Ring.SINGLE_PRODUCER | Ring.SINGLE_CONSUMER)) {
            HandleArray h = new HandleArray(arena, 32);
            for (int i = 0; i < 32; i++) {
                h.set(i, (i + 1) * 64L);
            }
            assertThat(ring.enqueueBurst(h, 0, 10)).isEqualTo(10);
            assertThat(ring.enqueueBurst(h, 10, 10)).as("15 slots, 10 taken").isEqualTo(5);
            assertThat(ring.enqueueBurst(h, 20, 1)).isZero();
            assertThat(ring.freeCount()).isZero();
            assertThat(ring.dequeueBurst(h, 32)).isEqualTo(15);
            assertThat(h.get(14)).isEqualTo(15 * 64L);
        }
    }

    @Test
    void enqueueOrFreeFreesWhatAFullRingDidNotTakeTaggedOrNot() {
        try (Ring ring = Ring.create("or_free", 8, Ring.SINGLE_CONSUMER | Ring.EXACT_SIZE)) {
            HandleArray h = new HandleArray(arena, 12);
            assertThat(Mbuf.allocBulk(pool, h, 12)).isTrue();
            long[] mbufs = new long[12];
            for (int i = 0; i < 12; i++) {
                mbufs[i] = h.get(i);
                if (i % 2 == 1) {
                    h.set(i, mbufs[i] | 1); // an skb-mode handle: the free must untag it
                }
            }
            assertThat(ring.enqueueOrFree(h.address(0), 5)).isEqualTo(5);
            assertThat(ring.enqueueOrFree(h.address(5), 7)).as("3 free slots of 8").isEqualTo(3);
            assertThat(pool.inUse()).as("the 4 the ring refused are back in the pool").isEqualTo(8);
            HandleArray out = new HandleArray(arena, 8);
            assertThat(ring.dequeueBurst(out, 8)).isEqualTo(8);
            for (int i = 0; i < 8; i++) {
                assertThat(out.get(i) & ~1L).as("handle %d, in order", i).isEqualTo(mbufs[i]);
                out.set(i, out.get(i) & ~1L);
            }
            Mbuf.freeBulk(out, 8);
        }
    }

    @Test
    void exactSizeRingHoldsExactlyCount() {
        try (Ring ring = Ring.create("exact", 1000, Ring.EXACT_SIZE)) {
            assertThat(ring.capacity()).isEqualTo(1000);
        }
    }

    @Test
    void ringSizeNotAPowerOfTwoIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Ring.create("bad", 1000, 0))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_ring_create(bad, count=1000)")
                .hasMessageContaining("Invalid argument")
                .hasMessageContaining("power of two");
    }

    @Test
    void duplicateRingNameIsRefused() {
        try (Ring ring = Ring.create("dup", 64, 0)) {
            assertThatThrownBy(() -> Ring.create("dup", 64, 0)).isInstanceOf(DpdkException.class)
                    .hasMessageContaining("EEXIST");
        }
    }

    @Test
    void mempoolAccountsAllocAndFree() {
        HandleArray h = new HandleArray(arena, 64);
        assertThat(pool.size()).isEqualTo(511);
        assertThat(Mbuf.allocBulk(pool, h, 64)).isTrue();
        assertThat(pool.inUse()).isEqualTo(64);
        assertThat(pool.available()).isEqualTo(511 - 64);
        long m = h.get(0);
        assertThat(Mbuf.dataOffset(m)).isEqualTo(Mbuf.HEADROOM);
        assertThat(Mbuf.dataLength(m)).isZero();
        Mbuf.fill(m, new byte[] {1, 2, 3, 4, 5});
        assertThat(Mbuf.copyData(m)).containsExactly(1, 2, 3, 4, 5);
        Mbuf.adjustHead(m, 2);
        assertThat(Mbuf.copyData(m)).containsExactly(3, 4, 5);
        assertThat(Mbuf.packetLength(m)).isEqualTo(3);
        Mbuf.adjustHead(m, -2);
        assertThat(Mbuf.copyData(m)).containsExactly(1, 2, 3, 4, 5);
        assertThatThrownBy(() -> Mbuf.fill(m, new byte[70_000])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("do not fit");
        Mbuf.freeBulk(h, 64);
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void exhaustedPoolRefusesBulkAllocationWhole() {
        HandleArray h = new HandleArray(arena, 600);
        assertThat(Mbuf.allocBulk(pool, h, 600)).isFalse();
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void registeredJavaThreadGetsAnLcoreAndUsesTheCache() throws Exception {
        assertThat(Eal.lcoreId()).as("main test thread is the EAL main lcore").isZero();
        AtomicInteger lcore = new AtomicInteger(-2);
        AtomicInteger inUseInside = new AtomicInteger(-1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try (Arena a = Arena.ofConfined()) {
                int before = Eal.lcoreId();
                lcore.set(Eal.registerThread());
                HandleArray h = new HandleArray(a, 8);
                Mbuf.allocBulk(pool, h, 8);
                inUseInside.set(pool.inUse());
                Mbuf.freeBulk(h, 8);
                Eal.unregisterThread();
                assertThat(before).isEqualTo(Eal.LCORE_ID_ANY);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        assertThat(failure.get()).isNull();
        assertThat(lcore.get()).isPositive();
        assertThat(inUseInside.get()).isEqualTo(8);
    }
}
