package io.cpumapd.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes a classic libpcap file: microsecond magic, version 2.4, snaplen 65535, Ethernet link
 * type. Little-endian like libpcap on x86, so the file starts with {@code d4 c3 b2 a1}.
 * Not thread-safe. Test code: the daemon never writes a capture.
 */
public final class PcapWriter implements AutoCloseable {
    private static final int FILE_HEADER_LEN = PcapFormat.FILE_HEADER_LEN;
    private static final int RECORD_HEADER_LEN = PcapFormat.RECORD_HEADER_LEN;
    private static final int SNAPLEN = PcapFormat.SNAPLEN;
    private static final long MAX_SECONDS = 0xffff_ffffL; // ts_sec is an unsigned 32-bit field

    private final OutputStream out;
    private final ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LEN).order(ByteOrder.LITTLE_ENDIAN);
    private byte[] scratch = new byte[2048];
    private long records;

    public PcapWriter(Path file) throws IOException {
        this(Files.newOutputStream(file));
    }

    /** Takes ownership of {@code out}: {@link #close()} closes it. */
    public PcapWriter(OutputStream out) throws IOException {
        this.out = new BufferedOutputStream(out, 1 << 16);
        header.putInt(PcapFormat.MAGIC_MICROS).putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0) // thiszone, sigfigs: always 0 in practice
                .putInt(SNAPLEN).putInt(PcapFormat.LINKTYPE_ETHERNET);
        this.out.write(header.array(), 0, FILE_HEADER_LEN);
    }

    /** Writes one frame; bytes beyond the snaplen are cut off but counted in orig_len. */
    public void write(byte[] frame, long timestampNanos) throws IOException {
        write(frame, 0, frame.length, timestampNanos);
    }

    public void write(byte[] frame, int offset, int length, long timestampNanos) throws IOException {
        int captured = Math.min(length, SNAPLEN);
        writeRecordHeader(captured, length, timestampNanos);
        out.write(frame, offset, captured);
        records++;
    }

    /** Writes the buffer's remaining bytes and advances its position to its limit, as a channel would. */
    public void write(ByteBuffer frame, long timestampNanos) throws IOException {
        int length = frame.remaining();
        if (frame.hasArray()) {
            write(frame.array(), frame.arrayOffset() + frame.position(), length, timestampNanos);
        } else {
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            frame.get(frame.position(), scratch, 0, length);
            write(scratch, 0, length, timestampNanos);
        }
        frame.position(frame.limit());
    }

    /** Writes the buffer's remaining bytes stamped with the current wall-clock time. */
    public void write(ByteBuffer frame) throws IOException {
        Instant now = Instant.now();
        write(frame, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }

    public long recordsWritten() {
        return records;
    }

    private void writeRecordHeader(int captured, int original, long timestampNanos) throws IOException {
        if (timestampNanos < 0 || timestampNanos / 1_000_000_000L > MAX_SECONDS) {
            throw new IllegalArgumentException("timestamp outside the pcap range: " + timestampNanos + " ns");
        }
        header.clear();
        header.putInt((int) (timestampNanos / 1_000_000_000L))
                .putInt((int) (timestampNanos % 1_000_000_000L / 1_000))
                .putInt(captured).putInt(original);
        out.write(header.array(), 0, RECORD_HEADER_LEN);
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
