package io.cpumapd.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void fileHeaderIsClassicMicrosecondEthernet() throws IOException {
        Path f = dir.resolve("empty.pcap");
        new PcapWriter(f).close();
        byte[] bytes = Files.readAllBytes(f);
        assertThat(bytes).hasSize(24);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes[0]).isEqualTo((byte) 0xd4); // little-endian, as libpcap writes on x86
        assertThat(b.getInt(0)).isEqualTo(0xa1b2c3d4);
        assertThat(b.getShort(4)).isEqualTo((short) 2);
        assertThat(b.getShort(6)).isEqualTo((short) 4);
        assertThat(b.getInt(8)).isZero();
        assertThat(b.getInt(12)).isZero();
        assertThat(b.getInt(16)).isEqualTo(65535);
        assertThat(b.getInt(20)).isEqualTo(1);
        assertThat(PcapReader.readAll(f)).isEmpty();
    }

    @Test
    void recordHeaderFieldsAreExact() throws IOException {
        Path f = dir.resolve("one.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            w.write(new byte[] {1, 2, 3}, 1_700_000_123_456_789_999L);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.limit()).isEqualTo(24 + 16 + 3);
        assertThat(Integer.toUnsignedLong(b.getInt(24))).isEqualTo(1_700_000_123L);
        assertThat(b.getInt(28)).isEqualTo(456_789); // nanoseconds truncate to microseconds
        assertThat(b.getInt(32)).isEqualTo(3);
        assertThat(b.getInt(36)).isEqualTo(3);
    }

    @Test
    void roundTripIsByteIdentical() throws IOException {
        Random rnd = new Random(99);
        List<byte[]> frames = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        long ts = 1_600_000_000_000_000_000L;
        for (int i = 0; i < 500; i++) {
            byte[] frame = new byte[i == 0 ? 0 : 1 + rnd.nextInt(9000)];
            rnd.nextBytes(frame);
            frames.add(frame);
            ts += 1_000L * rnd.nextInt(5_000_000); // microsecond steps survive the round trip
            stamps.add(ts);
        }
        Path f = dir.resolve("rt.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            for (int i = 0; i < frames.size(); i++) {
                w.write(frames.get(i), stamps.get(i));
            }
            assertThat(w.recordsWritten()).isEqualTo(500);
        }
        List<PcapRecord> read = PcapReader.readAll(f);
        assertThat(read).hasSize(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            PcapRecord r = read.get(i);
            assertThat(r.data()).as("frame %d", i).isEqualTo(frames.get(i));
            assertThat(r.originalLength()).isEqualTo(frames.get(i).length);
            assertThat(r.timestampNanos()).isEqualTo(stamps.get(i));
            assertThat(r.linkType()).isEqualTo(PcapFormat.LINKTYPE_ETHERNET);
            assertThat(r.truncated()).isFalse();
        }
    }

    @Test
    void byteBufferWritesRemainingBytesAndAdvances() throws IOException {
        ByteBuffer heap = ByteBuffer.wrap(new byte[] {9, 9, 1, 2, 3, 4, 9});
        heap.position(2).limit(6);
        ByteBuffer direct = ByteBuffer.allocateDirect(5000);
        for (int i = 0; i < 5000; i++) {
            direct.put((byte) (i * 7));
        }
        direct.flip().position(10);
        Path f = dir.resolve("bb.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            w.write(heap, 1_000L);
            w.write(direct, 2_000L);
            w.write(ByteBuffer.wrap(new byte[] {5}));
        }
        assertThat(heap.position()).isEqualTo(6);
        assertThat(direct.position()).isEqualTo(5000);
        List<PcapRecord> read = PcapReader.readAll(f);
        assertThat(read.get(0).data()).containsExactly(1, 2, 3, 4);
        byte[] expected = new byte[4990];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) ((i + 10) * 7);
        }
        assertThat(read.get(1).data()).isEqualTo(expected);
        // Stamped with "now": only check it is recent.
        assertThat(read.get(2).timestampNanos()).isGreaterThan(1_700_000_000_000_000_000L);
    }

    @Test
    void framesAboveSnaplenAreCutButKeepTheirOriginalLength() throws IOException {
        byte[] big = new byte[70_000];
        new Random(1).nextBytes(big);
        Path f = dir.resolve("big.pcap");
        try (PcapWriter w = new PcapWriter(f)) {
            w.write(big, 0);
        }
        PcapRecord r = PcapReader.readAll(f).getFirst();
        assertThat(r.capturedLength()).isEqualTo(65535);
        assertThat(r.originalLength()).isEqualTo(70_000);
        assertThat(r.truncated()).isTrue();
        assertThat(r.data()).isEqualTo(Arrays.copyOf(big, 65535));
    }

    @Test
    void timestampsOutsideThePcapRangeAreRejected() throws IOException {
        try (PcapWriter w = new PcapWriter(dir.resolve("ts.pcap"))) {
            assertThatThrownBy(() -> w.write(new byte[1], -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> w.write(new byte[1], (1L << 32) * 1_000_000_000L))
                    .isInstanceOf(IllegalArgumentException.class);
            w.write(new byte[1], 0xffff_ffffL * 1_000_000_000L); // the last representable second
        }
    }
}
