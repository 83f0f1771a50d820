package io.cpumapd.skb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SkBuffPoolTest {
    private static final int SIZE = 16;

    private final Arena arena = Arena.ofConfined();
    private final SkBuffPool pool = new SkBuffPool(SIZE, arena);

    @AfterEach
    void close() {
        arena.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 15, 1 << 20, Integer.MAX_VALUE})
    void taggedHandleRoundTrips(int index) {
        long handle = SkBuffPool.tag(index);

        assertThat(handle & 1).as("bit 0 marks an skb").isEqualTo(1);
        assertThat(SkBuffPool.isSkb(handle)).isTrue();
        assertThat(SkBuffPool.index(handle)).isEqualTo(index);
    }

    @ParameterizedTest
    @ValueSource(longs = {0x7f12_3456_7880L, 0x1000L, 2L, 0x7fff_ffff_fffeL})
    void alignedMbufPointersAreNotSkbs(long mbufAddress) {
        assertThat(SkBuffPool.isSkb(mbufAddress)).isFalse();
    }

    @Test
    void eachSkbKnowsItsIndexAndOwnsItsVnetArea() {
        Set<Long> vnetAddresses = new HashSet<>();
        for (int i = 0; i < SIZE; i++) {
            SkBuff skb = pool.get(i);
            assertThat(skb.index()).isEqualTo(i);
            assertThat(skb.vnetHeaderAddress() - pool.get(0).vnetHeaderAddress())
                    .as("carved from one segment").isEqualTo((long) i * SkBuffPool.VNET_STRIDE_BYTES);
            vnetAddresses.add(skb.vnetHeaderAddress());
        }
        assertThat(vnetAddresses).hasSize(SIZE);
        assertThat(pool.get(0).vnetHeaderAddress() % SkBuffPool.VNET_STRIDE_BYTES).isZero();
    }

    @Test
    void acquireUntilEmptyThenReleaseAndReacquire() {
        Set<Integer> acquired = new HashSet<>();
        for (int i = 0; i < SIZE; i++) {
            int index = pool.acquire();
            assertThat(index).isBetween(0, SIZE - 1);
            acquired.add(index);
        }
        assertThat(acquired).hasSize(SIZE);
        assertThat(pool.available()).isZero();
        assertThat(pool.acquire()).as("exhausted").isEqualTo(-1);

        pool.release(7);
        pool.release(3);

        assertThat(pool.available()).isEqualTo(2);
        assertThat(pool.acquire()).isEqualTo(3);
        assertThat(pool.acquire()).isEqualTo(7);
        assertThat(pool.acquire()).isEqualTo(-1);
    }

    @Test
    void doubleReleaseIsCaught() {
        int index = pool.acquire();
        pool.release(index);

        assertThatThrownBy(() -> pool.release(index)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.available()).isEqualTo(SIZE);
    }

    @Test
    void releasingANeverAcquiredIndexIsCaught() {
        assertThatThrownBy(() -> pool.release(5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sizeMustBePositive() {
        assertThatThrownBy(() -> new SkBuffPool(0, arena)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.size()).isEqualTo(SIZE);
    }
}
