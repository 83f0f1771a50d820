package io.cpumapd.pcap;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Streams the records of a classic pcap file, either byte order, microsecond or nanosecond
 * magic. Anything else (pcapng, a cut-off download, garbage) fails with an IOException naming
 * the file and the byte offset, so a bad capture is diagnosed where it is opened rather than
 * as odd packets later. Not thread-safe.
 */
public final class PcapReader implements Closeable, Iterable<PcapRecord> {

    private static final int PCAPNG_MAGIC = 0x0a0d0d0a;
    /** libpcap's own ceiling for a record; a larger length means a corrupt header, not a big packet. */
    static final int MAX_RECORD_LEN = 262_144;

    private final String name;
    private final InputStream in;
    private final ByteBuffer header = ByteBuffer.allocate(PcapFormat.FILE_HEADER_LEN);
    private final boolean nanos;
    private final int snaplen;
    private final int linkType;
    private final int versionMajor;
    private final int versionMinor;
    private long offset;

    /** Opens {@code file} and checks its file header. */
    public static PcapReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return new PcapReader(in, file.toString());
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads every record of {@code file} into memory. */
    public static List<PcapRecord> readAll(Path file) throws IOException {
        try (PcapReader reader = open(file)) {
            List<PcapRecord> records = new ArrayList<>();
            for (PcapRecord r; (r = reader.next()) != null; ) {
                records.add(r);
            }
            return records;
        }
    }

    /** Takes ownership of {@code in}; {@code name} appears in error messages. */
    public PcapReader(InputStream in, String name) throws IOException {
        this.name = name;
        this.in = new BufferedInputStream(in, 1 << 16);
        int got = readUpTo(header.array(), 0, PcapFormat.FILE_HEADER_LEN);
        if (got < 4) {
            throw error("not a pcap file: only " + got + " bytes, too short for a file header", 0);
        }
        int magic = header.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (magic == PCAPNG_MAGIC) {
            throw error("not a pcap file: pcapng is not supported (convert it with "
                    + "'editcap -F pcap in.pcapng out.pcap')", 0);
        }
        // The writer stores the magic in its own byte order; reading it back tells us that order.
        if (magic == PcapFormat.MAGIC_MICROS || magic == PcapFormat.MAGIC_NANOS) {
            header.order(ByteOrder.BIG_ENDIAN);
        } else if (Integer.reverseBytes(magic) == PcapFormat.MAGIC_MICROS
                || Integer.reverseBytes(magic) == PcapFormat.MAGIC_NANOS) {
            header.order(ByteOrder.LITTLE_ENDIAN);
        } else {
            throw error(String.format("not a pcap file: unknown magic number 0x%08x", magic), 0);
        }
        if (got < PcapFormat.FILE_HEADER_LEN) {
            throw error("truncated file header at offset 0: " + got + " of "
                    + PcapFormat.FILE_HEADER_LEN + " bytes", 0);
        }
        nanos = header.getInt(0) == PcapFormat.MAGIC_NANOS;
        versionMajor = Short.toUnsignedInt(header.getShort(4));
        versionMinor = Short.toUnsignedInt(header.getShort(6));
        if (versionMajor != 2) {
            throw error("unsupported pcap version " + versionMajor + "." + versionMinor, 4);
        }
        snaplen = header.getInt(16);
        // Upper bits of this field carry FCS information in newer writers; the type is the low 16.
        linkType = header.getInt(20) & 0xffff;
    }

    /** The next record, or {@code null} at a clean end of file. */
    public PcapRecord next() throws IOException {
        long recordOffset = offset;
        int got = readUpTo(header.array(), 0, PcapFormat.RECORD_HEADER_LEN);
        if (got == 0) {
            return null;
        }
        if (got < PcapFormat.RECORD_HEADER_LEN) {
            throw error("truncated record at offset " + recordOffset + ": record header has "
                    + got + " of " + PcapFormat.RECORD_HEADER_LEN + " bytes", recordOffset);
        }
        long seconds = Integer.toUnsignedLong(header.getInt(0));
        long fraction = Integer.toUnsignedLong(header.getInt(4));
        long captured = Integer.toUnsignedLong(header.getInt(8));
        long original = Integer.toUnsignedLong(header.getInt(12));
        if (captured > MAX_RECORD_LEN || original > Integer.MAX_VALUE || captured > original) {
            throw error("corrupt record at offset " + recordOffset + ": captured length " + captured
                    + ", original length " + original, recordOffset);
        }
        byte[] data = new byte[(int) captured];
        int read = readUpTo(data, 0, data.length);
        if (read < captured) {
            throw error("truncated record at offset " + recordOffset + ": " + captured
                    + " bytes of packet data announced, " + read + " present", recordOffset);
        }
        long ns = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
        return new PcapRecord(data, (int) original, ns, linkType);
    }

    /** The remaining records; IOExceptions surface as {@link UncheckedIOException}. */
    public Stream<PcapRecord> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** Iterates the remaining records; IOExceptions surface as {@link UncheckedIOException}. */
    @Override
    public Iterator<PcapRecord> iterator() {
        return new Iterator<>() {
            private PcapRecord pending;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (pending == null && !done) {
                    try {
                        pending = PcapReader.this.next();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    done = pending == null;
                }
                return pending != null;
            }

            @Override
            public PcapRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                PcapRecord r = pending;
                pending = null;
                return r;
            }
        };
    }

    public int linkType() {
        return linkType;
    }

    public int snaplen() {
        return snaplen;
    }

    public boolean nanosecondTimestamps() {
        return nanos;
    }

    public ByteOrder byteOrder() {
        return header.order();
    }

    public String version() {
        return versionMajor + "." + versionMinor;
    }

    /** Byte offset of the next record header. */
    public long offset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private int readUpTo(byte[] buf, int from, int len) throws IOException {
        int n = in.readNBytes(buf, from, len);
        offset += n;
        return n;
    }

    private IOException error(String message, long at) {
        return new PcapFormatException(name + ": " + message, at);
    }

    /** A malformed capture; {@link #offset()} is where the bad bytes start. */
    public static final class PcapFormatException extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;
        private final long offset;

        PcapFormatException(String message, long offset) {
            super(message);
            this.offset = offset;
        }

        public long offset() {
            return offset;
        }
    }
}
