package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.testkit.TestEal;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packets replayed by net_pcap reach Java intact; packets sent by tx burst land in a pcap intact. */
class PcapPortTest {
    private static final int FRAMES = 300;
    @TempDir
    static Path dir;
    static List<byte[]> frames;
    static Eal eal;
    static Mempool pool;

    @BeforeAll
    static void start() throws IOException {
        frames = randomFrames(FRAMES, 42);
        Path in = dir.resolve("in.pcap");
        writePcap(in, frames);
        eal = TestEal.start("net_pcap0,rx_pcap=" + in, "net_pcap1,tx_pcap=" + dir.resolve("out.pcap"));
        pool = Mempool.create("pcap_test", 1023, 32, Mempool.DEFAULT_DATA_ROOM);
    }

    @AfterAll
    static void stop() {
        assertThat(pool.inUse()).as("mbufs leaked").isZero();
        pool.close();
        eal.close();
    }

    @Test
    void replayedPacketsArriveWithTheirBytesAndAreSentBackIdentically() throws IOException {
        Port rx = Port.byName("net_pcap0");
        Port tx = Port.byName("net_pcap1");
        rx.configure(1, 1, 512, 512, pool);
        tx.configure(1, 1, 512, 512, pool);
        rx.start();
        tx.start();
        assertThat(rx.link().up()).isTrue();
        assertThat(rx.info().driver()).isEqualTo("net_pcap");
        // net_pcap states no TX offload, yet copies a chain out whole: the return path may send chains.
        assertThat(tx.caps().multiSegmentTx()).isFalse();
        assertThat(tx.sendsChains()).isTrue();

        try (Arena arena = Arena.ofConfined()) {
            HandleArray burst = new HandleArray(arena, 32);
            int received = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (received < FRAMES && System.nanoTime() < deadline) {
                int n = rx.rxBurst(0, burst, 32);
                for (int i = 0; i < n; i++) {
                    long m = burst.get(i);
                    byte[] expected = frames.get(received + i);
                    assertThat(Mbuf.dataLength(m)).isEqualTo(expected.length);
                    assertThat(Mbuf.packetLength(m)).isEqualTo(expected.length);
                    assertThat(Mbuf.segments(m)).isEqualTo(1);
                    assertThat(Mbuf.port(m)).isEqualTo(rx.id());
                    assertThat(Mbuf.copyData(m)).isEqualTo(expected);
                }
                int sent = 0;
                while (sent < n) {
                    sent += tx.txBurst(0, burst, sent, n - sent);
                }
                received += n;
            }
            assertThat(received).isEqualTo(FRAMES);
            assertThat(rx.rxBurst(0, burst, 32)).as("end of the capture").isZero();
        }
        assertThat(rx.stats().rxPackets()).isEqualTo(FRAMES);
        assertThat(tx.stats().txPackets()).isEqualTo(FRAMES);
        assertThat(tx.stats().txBytes()).isEqualTo(frames.stream().mapToLong(f -> f.length).sum());
        rx.stop();
        tx.stop();
        tx.close(); // closes the pcap dumper
        rx.close();

        assertThat(readPcap(dir.resolve("out.pcap"))).containsExactlyElementsOf(frames);
        assertThat(pool.inUse()).isZero();
    }

    static List<byte[]> randomFrames(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] f = new byte[60 + random.nextInt(1514 - 60 + 1)];
            random.nextBytes(f);
            ByteBuffer.wrap(f).putInt(0, i);
            out.add(f);
        }
        return out;
    }

    // A minimal pcap writer / reader kept local so this foundation test stands on DPDK alone.
    static void writePcap(Path file, List<byte[]> frames) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
            out.write(h.array());
            for (int i = 0; i < frames.size(); i++) {
                ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                r.putInt(1_700_000_000).putInt(i).putInt(frames.get(i).length).putInt(frames.get(i).length);
                out.write(r.array());
                out.write(frames.get(i));
            }
        }
    }

    static List<byte[]> readPcap(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).as("pcap magic, micro or nanosecond").isIn(0xa1b2c3d4, 0xa1b23c4d);
        List<byte[]> out = new ArrayList<>();
        b.position(24);
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            int incl = b.getInt();
            b.getInt();
            byte[] f = new byte[incl];
            b.get(f);
            out.add(f);
        }
        return out;
    }
}
