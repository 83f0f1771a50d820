package io.cpumapd.gso;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.MbufChain;
import io.cpumapd.dpdk.MbufStash;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.dpdk.TxBuffer;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.testkit.Frames;
import io.cpumapd.testkit.RingPort;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Segmentation and checksum completion of frames as the kernel hands them over a TAP with
 * offloads, sent through a real DPDK port (net_ring: what is sent comes back on its RX queue, so
 * the test reads the wire frames). Checksums are verified byte by byte by the test's own code.
 */
class SegmenterTest {
    static RingPort ring;
    static Mempool pool;
    static Port port;
    Arena arena;
    MbufStash stash;
    Segmenter segmenter;
    TxBuffer tx;

    @BeforeAll
    static void start() {
        ring = RingPort.start("seg_test");
        pool = ring.pool();
        port = ring.port();
    }

    @AfterAll
    static void stop() {
        ring.close();
    }

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        stash = new MbufStash(pool, 32, arena);
        segmenter = new Segmenter(stash, pool.segmentRoom(), 32, arena);
        tx = new TxBuffer(port, 0, 64, arena);
    }

    @AfterEach
    void tearDown() {
        tx.flush();
        drain();
        segmenter.freeSpent();
        stash.close();
        arena.close();
        assertThat(pool.inUse()).as("mbufs leaked").isZero();
    }

    private List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        HandleArray h = new HandleArray(arena, 32);
        int n;
        while ((n = port.rxBurst(0, h, 32)) > 0) {
            for (int i = 0; i < n; i++) {
                out.add(MbufChain.toArray(h.get(i)));
            }
            Mbuf.freeBulk(h, n);
        }
        return out;
    }

    private static byte[] payload(int length, long seed) {
        byte[] p = new byte[length];
        new Random(seed).nextBytes(p);
        return p;
    }

    private List<byte[]> run(byte[] frame, int flags, int gsoType, int gsoSize, int csumStart, int csumOffset,
            int maxFrame, int expected) {
        long m = Frames.chain(pool, frame);
        Frames.vnetHeader(m, flags, gsoType, gsoSize, csumStart, csumOffset);
        int r = segmenter.process(m, tx, maxFrame, true);
        assertThat(r).isEqualTo(expected);
        if (r < 0) {
            Mbuf.free(m);
        }
        tx.flush();
        segmenter.freeSpent();
        return drain();
    }

    @Test
    void tcpOverIpv4IsCutIntoSegmentsOfGsoSizeWithTheirOwnHeaders() {
        byte[] data = payload(20_000, 1);
        byte[] frame = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").ipId(7).tcp(80, 40000)
                .tcpSeq(0xFFFF_F000L).tcpFlags(FrameBuilder.ACK | FrameBuilder.PSH | FrameBuilder.FIN)
                .payload(data).build();
        List<byte[]> out = run(frame, 1, 1 | 0x80, 1448, 34, 16, 1514, 14);
        assertThat(out).hasSize(14);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < out.size(); k++) {
            byte[] f = out.get(k);
            int plen = Math.min(1448, 20_000 - k * 1448);
            assertThat(f).hasSize(54 + plen);
            assertThat(Frames.checksumsValid(f)).as("checksums of segment %d", k).isTrue();
            assertThat(Frames.u16(f, 14 + 2)).as("IPv4 total length").isEqualTo(40 + plen);
            assertThat(Frames.u16(f, 14 + 4)).as("IPv4 id").isEqualTo(7 + k);
            assertThat(Frames.u32(f, 34 + 4)).as("sequence").isEqualTo((0xFFFF_F000L + k * 1448L) & 0xFFFF_FFFFL);
            int tcpFlags = f[34 + 13] & 0xFF;
            boolean last = k == out.size() - 1;
            assertThat(tcpFlags & (FrameBuilder.FIN | FrameBuilder.PSH)).isEqualTo(last ? 0x09 : 0);
            assertThat(tcpFlags & FrameBuilder.ACK).isNotZero();
            joined.write(f, 54, plen);
        }
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Test
    void tcpOverIpv6AndJumboSegmentsComeOutAsChains() {
        byte[] data = payload(30_000, 2);
        byte[] frame = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").tcp(80, 40000).tcpSeq(5)
                .tcpFlags(FrameBuilder.ACK).payload(data).build();
        // MTU 9000: each segment (8928 bytes of payload) spans five mbufs of 2048.
        List<byte[]> out = run(frame, 1, 4, 8928, 54, 16, 9014, 4);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int k = 0; k < out.size(); k++) {
            byte[] f = out.get(k);
            int plen = Math.min(8928, 30_000 - k * 8928);
            assertThat(f).hasSize(74 + plen);
            assertThat(Frames.u16(f, 14 + 4)).as("IPv6 payload length").isEqualTo(20 + plen);
            assertThat(Frames.checksumsValid(f)).as("checksum of segment %d", k).isTrue();
            joined.write(f, 74, plen);
        }
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Test
    void udpSegmentationMakesDatagramsOfTheirOwn() {
        byte[] data = payload(5000, 3);
        byte[] frame = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(5000, 6000).payload(data)
                .build();
        List<byte[]> out = run(frame, 1, 5, 1400, 34, 6, 1514, 4);
        for (int k = 0; k < out.size(); k++) {
            byte[] f = out.get(k);
            int plen = Math.min(1400, 5000 - k * 1400);
            assertThat(Frames.u16(f, 34 + 4)).as("UDP length").isEqualTo(8 + plen);
            assertThat(Frames.checksumsValid(f)).isTrue();
        }
    }

    @Test
    void aPartialChecksumIsCompletedAndThePlainFrameSentAsItIs() {
        byte[] frame = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(5000, 6000)
                .payload(payload(999, 4)).build();
        // What the kernel leaves with CHECKSUM_PARTIAL: the pseudo-header sum in the checksum field.
        int udpLen = frame.length - 34;
        int pseudo = Frames.sum(frame, 26, 8, 17 + udpLen);
        frame[40] = (byte) (pseudo >>> 8);
        frame[41] = (byte) pseudo;
        List<byte[]> out = run(frame, 1, 0, 0, 34, 6, 1514, 1);
        assertThat(out).hasSize(1);
        assertThat(Frames.checksumsValid(out.get(0))).isTrue();
    }

    @Test
    void badInputIsRefusedWithItsReason() {
        byte[] big = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").tcp(1, 2).payload(payload(8000, 5))
                .build();
        // gso_size whose segments exceed the port's MTU
        assertThat(run(big, 1, 1, 3000, 34, 16, 1514, Segmenter.TOO_BIG)).isEmpty();
        // a frame over the MTU with no GSO
        assertThat(run(big, 0, 0, 0, 0, 0, 1514, Segmenter.TOO_BIG)).isEmpty();
        // unknown flag bits; GSO without NEEDS_CSUM; a TCPv6 type on an IPv4 frame; UFO; gso_size 0
        assertThat(run(big, 0x10, 0, 0, 0, 0, 9014, Segmenter.MALFORMED)).isEmpty();
        assertThat(run(big, 0, 1, 1448, 34, 16, 1514, Segmenter.MALFORMED)).isEmpty();
        assertThat(run(big, 1, 4, 1448, 34, 16, 1514, Segmenter.MALFORMED)).isEmpty();
        assertThat(run(big, 1, 3, 1448, 34, 6, 1514, Segmenter.MALFORMED)).isEmpty();
        assertThat(run(big, 1, 1, 0, 34, 16, 1514, Segmenter.MALFORMED)).isEmpty();
        // checksum position beyond the frame
        assertThat(run(big, 1, 0, 0, 8100, 16, 9014, Segmenter.MALFORMED)).isEmpty();
        // csum_start not at the TCP header
        assertThat(run(big, 1, 1, 1448, 30, 16, 1514, Segmenter.MALFORMED)).isEmpty();
    }
}
