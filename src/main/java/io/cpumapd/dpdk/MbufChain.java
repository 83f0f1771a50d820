package io.cpumapd.dpdk;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes a packet that may span a chain of mbufs, by offset from the start of the
 * frame. Hot paths read inside the first segment directly; these walk the chain, for what lies
 * beyond it (a jumbo frame, a 64 KiB GSO frame from the kernel).
 */
public final class MbufChain {
    private static final MemorySegment M = Native.ALL;

    private MbufChain() {
    }

    /** The segment holding byte {@code offset}, 0 when the packet is shorter. */
    public static long segmentAt(long m, int offset) {
        long seg = m;
        int off = offset;
        while (seg != 0) {
            int len = Mbuf.dataLength(seg);
            if (off < len) {
                return seg;
            }
            off -= len;
            seg = Mbuf.next(seg);
        }
        return 0;
    }

    /** Address of byte {@code offset} of the packet; -1 when the packet is shorter. */
    public static long addressOf(long m, int offset) {
        long seg = m;
        int off = offset;
        while (seg != 0) {
            int len = Mbuf.dataLength(seg);
            if (off < len) {
                return Mbuf.dataAddress(seg) + off;
            }
            off -= len;
            seg = Mbuf.next(seg);
        }
        return -1;
    }

    public static int getU8(long m, int offset) {
        long a = addressOf(m, offset);
        if (a < 0) {
            throw new IndexOutOfBoundsException("offset " + offset + " beyond a packet of " + Mbuf.packetLength(m));
        }
        return Byte.toUnsignedInt(M.get(ValueLayout.JAVA_BYTE, a));
    }

    public static void setU8(long m, int offset, int value) {
        long a = addressOf(m, offset);
        if (a < 0) {
            throw new IndexOutOfBoundsException("offset " + offset + " beyond a packet of " + Mbuf.packetLength(m));
        }
        M.set(ValueLayout.JAVA_BYTE, a, (byte) value);
    }

    /** Copies {@code length} bytes from {@code offset} of the packet to native {@code dst}. */
    public static void copyOut(long m, int offset, long dst, int length) {
        long seg = m;
        int off = offset;
        int left = length;
        long to = dst;
        while (left > 0) {
            if (seg == 0) {
                throw new IndexOutOfBoundsException("copy of " + length + " at " + offset
                        + " beyond a packet of " + Mbuf.packetLength(m));
            }
            int len = Mbuf.dataLength(seg);
            if (off >= len) {
                off -= len;
                seg = Mbuf.next(seg);
                continue;
            }
            int n = Math.min(len - off, left);
            MemorySegment.copy(M, Mbuf.dataAddress(seg) + off, M, to, n);
            to += n;
            left -= n;
            off = 0;
            seg = Mbuf.next(seg);
        }
    }

    /** The packet's bytes (tests and control paths: allocates). */
    public static byte[] toArray(long m) {
        byte[] out = new byte[Mbuf.packetLength(m)];
        int at = 0;
        for (long seg = m; seg != 0 && at < out.length; seg = Mbuf.next(seg)) {
            int n = Math.min(Mbuf.dataLength(seg), out.length - at);
            MemorySegment.copy(M, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(seg), out, at, n);
            at += n;
        }
        return out;
    }
}
