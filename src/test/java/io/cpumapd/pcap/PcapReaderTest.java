package io.cpumapd.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files crafted byte by byte, so the reader is not only checked against our own writer. */
class PcapReaderTest {

    @TempDir
    Path dir;

    private static ByteBuffer file(ByteOrder order, int magic, int linkType, int capacity) {
        return ByteBuffer.allocate(capacity).order(order).putInt(magic).putShort((short) 2)
                .putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
    }

    private static void record(ByteBuffer b, int sec, int frac, int origLen, byte... data) {
        b.putInt(sec).putInt(frac).putInt(data.length).putInt(origLen).put(data);
    }

    private Path save(String name, ByteBuffer b) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, Arrays.copyOf(b.array(), b.position()));
        return f;
    }

    @Test
    void bigEndianMicroseconds() throws IOException {
        ByteBuffer b = file(ByteOrder.BIG_ENDIAN, 0xa1b2c3d4, 1, 200);
        record(b, 10, 999_999, 4, (byte) 0xaa, (byte) 0xbb, (byte) 0xcc, (byte) 0xdd);
        record(b, 11, 1, 1500, (byte) 1, (byte) 2); // cut by the capturing snaplen
        Path f = save("be.pcap", b);
        assertThat(Files.readAllBytes(f)[0]).isEqualTo((byte) 0xa1);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.BIG_ENDIAN);
            assertThat(r.nanosecondTimestamps()).isFalse();
            assertThat(r.snaplen()).isEqualTo(262144);
            assertThat(r.version()).isEqualTo("2.4");
            assertThat(r.next()).isEqualTo(new PcapRecord(new byte[] {(byte) 0xaa, (byte) 0xbb, (byte) 0xcc,
                    (byte) 0xdd}, 4, 10_999_999_000L, 1));
            PcapRecord second = r.next();
            assertThat(second.data()).containsExactly(1, 2);
            assertThat(second.originalLength()).isEqualTo(1500);
            assertThat(second.truncated()).isTrue();
            assertThat(second.timestampNanos()).isEqualTo(11_000_001_000L);
            assertThat(r.next()).isNull();
            assertThat(r.next()).isNull(); // stays at end
        }
    }

    @Test
    void littleEndianNanoseconds() throws IOException {
        ByteBuffer b = file(ByteOrder.LITTLE_ENDIAN, 0xa1b23c4d, 1, 200);
        record(b, 0x8000_0001, 123_456_789, 1, (byte) 7); // seconds past 2^31 are unsigned
        Path f = save("le-ns.pcap", b);
        assertThat(Files.readAllBytes(f)[0]).isEqualTo((byte) 0x4d);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(r.nanosecondTimestamps()).isTrue();
            PcapRecord rec = r.next();
            assertThat(rec.timestampNanos()).isEqualTo(0x8000_0001L * 1_000_000_000L + 123_456_789L);
            assertThat(rec.data()).containsExactly(7);
        }
    }

    @Test
    void bigEndianNanosecondsAndOtherLinkType() throws IOException {
        // LINKTYPE_RAW (101), with the FCS-length bits some writers set above the type.
        ByteBuffer b = file(ByteOrder.BIG_ENDIAN, 0xa1b23c4d, 101 | 0x1000_0000 | 4 << 26, 200);
        record(b, 5, 5, 3, (byte) 0x45, (byte) 0, (byte) 0);
        List<PcapRecord> all = PcapReader.readAll(save("be-ns.pcap", b));
        assertThat(all).singleElement().satisfies(rec -> {
            assertThat(rec.linkType()).isEqualTo(101);
            assertThat(rec.timestampNanos()).isEqualTo(5_000_000_005L);
        });
    }

    @Test
    void streamingIteratesLazily() throws IOException {
        ByteBuffer b = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 500);
        for (int i = 0; i < 10; i++) {
            record(b, i, 0, 1, (byte) i);
        }
        Path f = save("stream.pcap", b);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.next().data()).containsExactly(0);
            assertThat(r.offset()).isEqualTo(24 + 17);
            assertThat(r.stream().map(rec -> (int) rec.data()[0]).toList()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
        int n = 0;
        try (PcapReader r = PcapReader.open(f)) {
            for (PcapRecord rec : r) {
                assertThat(rec.data()[0]).isEqualTo((byte) n++);
            }
        }
        assertThat(n).isEqualTo(10);
    }

    @Test
    void pcapngIsRejectedByName() throws IOException {
        // Section header block: type 0x0a0d0d0a, length, byte-order magic 0x1a2b3c4d.
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0x0a0d0d0a).putInt(28).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0)
                .putLong(-1).putInt(28);
        Path f = save("x.pcapng", b);
        assertThatThrownBy(() -> PcapReader.readAll(f)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("not a pcap file: pcapng is not supported");
    }

    @Test
    void unknownMagicAndShortFilesAreRejected() throws IOException {
        Path text = dir.resolve("t.pcap");
        Files.writeString(text, "hello, this is not a capture file at all");
        assertThatThrownBy(() -> PcapReader.readAll(text)).hasMessageContaining("unknown magic number 0x68656c6c");
        Path empty = dir.resolve("e.pcap");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> PcapReader.readAll(empty)).hasMessageContaining("not a pcap file")
                .hasMessageContaining(empty.toString());
        ByteBuffer half = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 24);
        half.position(10);
        Path cut = save("h.pcap", half);
        assertThatThrownBy(() -> PcapReader.readAll(cut)).hasMessageContaining("truncated file header at offset 0");
    }

    @Test
    void truncatedRecordDataNamesTheRecordOffset() throws IOException {
        ByteBuffer b = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 200);
        record(b, 1, 0, 3, (byte) 1, (byte) 2, (byte) 3);
        record(b, 2, 0, 60, new byte[60]);
        b.position(b.position() - 20); // the download stopped inside the second packet
        Path f = save("cut.pcap", b);
        try (PcapReader r = PcapReader.open(f)) {
            assertThat(r.next()).isNotNull();
            assertThatThrownBy(r::next).isInstanceOf(PcapReader.PcapFormatException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining("truncated record at offset 43")
                    .satisfies(e -> assertThat(((PcapReader.PcapFormatException) e).offset()).isEqualTo(43));
        }
    }

    @Test
    void truncatedRecordHeaderNamesTheRecordOffset() throws IOException {
        ByteBuffer b = file(ByteOrder.BIG_ENDIAN, 0xa1b2c3d4, 1, 200);
        record(b, 1, 0, 2, (byte) 1, (byte) 2);
        b.putInt(7).putInt(0); // half a record header
        Path f = save("cut-header.pcap", b);
        assertThatThrownBy(() -> PcapReader.readAll(f)).hasMessageContaining("truncated record at offset 42");
        try (PcapReader r = PcapReader.open(f)) {
            assertThatThrownBy(() -> r.stream().count()).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("truncated record at offset 42");
        }
    }

    @Test
    void absurdLengthsAreReportedAsCorrupt() throws IOException {
        ByteBuffer huge = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 200);
        huge.putInt(1).putInt(0).putInt(0x7fff_0000).putInt(0x7fff_0000);
        Path f = save("huge.pcap", huge);
        assertThatThrownBy(() -> PcapReader.readAll(f)).hasMessageContaining("corrupt record at offset 24");
        ByteBuffer inverted = file(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 200);
        record(inverted, 1, 0, 2, new byte[10]); // captured more than was on the wire
        Path g = save("inv.pcap", inverted);
        assertThatThrownBy(() -> PcapReader.readAll(g)).hasMessageContaining("corrupt record at offset 24");
    }
}
