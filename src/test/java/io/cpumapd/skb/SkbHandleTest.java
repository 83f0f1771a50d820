package io.cpumapd.skb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SkbHandleTest {
    @ParameterizedTest
    @ValueSource(longs = {0x7f12_3456_7880L, 0x1000L, 0x40L, 0x7fff_ffff_ffc0L})
    void aTaggedMbufPointerRoundTrips(long mbuf) {
        long handle = SkbHandle.tag(mbuf);

        assertThat(handle & 1).as("bit 0 marks an skb").isEqualTo(1);
        assertThat(SkbHandle.isSkb(handle)).isTrue();
        assertThat(SkbHandle.mbuf(handle)).isEqualTo(mbuf);
    }

    @ParameterizedTest
    @ValueSource(longs = {0x7f12_3456_7880L, 0x1000L, 2L, 0x7fff_ffff_fffeL})
    void alignedMbufPointersAreNotSkbs(long mbuf) {
        assertThat(SkbHandle.isSkb(mbuf)).isFalse();
        assertThat(SkbHandle.mbuf(mbuf)).isEqualTo(mbuf);
    }
}
