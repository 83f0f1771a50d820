package io.cpumapd.skb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SkBuffPoolTest {
    private static final int SIZE = 16;

    private final Arena arena = Arena.ofConfined();
    private final SkBuffPool pool = new SkBuffPool(SIZE, arena);

    @AfterEach
    void close() {
        arena.close();
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
    void sizeMustBePositive() {
        assertThatThrownBy(() -> new SkBuffPool(0, arena)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.size()).isEqualTo(SIZE);
    }
}
