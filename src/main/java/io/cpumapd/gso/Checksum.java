package io.cpumapd.gso;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over native memory and mbuf chains. Sums are kept as a long of
 * 16-bit big-endian words, folded only at the end, so a caller can add pieces (pseudo-header,
 * headers, payload segments) in any order.
 */
public final class Checksum {
    private static final MemorySegment M = Native.ALL;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code address}, as if they started on an even offset.
     * <p>
     * The bytes are read as little-endian longs (the host's order: no byte swap per load), 32 bytes
     * per step into four independent sums of 32-bit halves (each add stays far below 2^63 for any
     * length below 2^31), so the loads do not wait for one another. Summing little-endian 16-bit
     * words gives the byte-swapped sum of the big-endian words (RFC 1071, byte order
     * independence): the folded result is swapped back once at the end.
     */
    public static long add(long address, int length, long sum) {
        long a0 = 0;
        long a1 = 0;
        long a2 = 0;
        long a3 = 0;
        int i = 0;
        for (; i + 32 <= length; i += 32) {
            long v0 = M.get(LE64, address + i);
            long v1 = M.get(LE64, address + i + 8);
            long v2 = M.get(LE64, address + i + 16);
            long v3 = M.get(LE64, address + i + 24);
            a0 += (v0 >>> 32) + (v0 & 0xFFFF_FFFFL);
            a1 += (v1 >>> 32) + (v1 & 0xFFFF_FFFFL);
            a2 += (v2 >>> 32) + (v2 & 0xFFFF_FFFFL);
            a3 += (v3 >>> 32) + (v3 & 0xFFFF_FFFFL);
        }
        for (; i + 8 <= length; i += 8) {
            long v = M.get(LE64, address + i);
            a0 += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        if (i + 4 <= length) {
            a1 += Integer.toUnsignedLong(M.get(LE32, address + i));
            i += 4;
        }
        if (i + 2 <= length) {
            a2 += Short.toUnsignedInt(M.get(LE16, address + i));
            i += 2;
        }
        if (i < length) {
            a3 += M.get(ValueLayout.JAVA_BYTE, address + i) & 0xFF; // low byte of a little-endian word
        }
        int swapped = fold(a0 + a1 + a2 + a3);
        return sum + (((swapped & 0xFF) << 8) | (swapped >>> 8));
    }

    /**
     * Adds {@code length} bytes of the packet in mbuf chain {@code m} from {@code offset}. A segment
     * that starts on an odd offset of the summed range contributes its sum byte-swapped (RFC 1071's
     * byte order independence).
     */
    public static long addChain(long m, int offset, int length, long sum) {
        long seg = m;
        int off = offset;
        while (seg != 0 && off >= Mbuf.dataLength(seg)) {
            off -= Mbuf.dataLength(seg);
            seg = Mbuf.next(seg);
        }
        long acc = sum;
        int done = 0;
        while (done < length && seg != 0) {
            int n = Math.min(Mbuf.dataLength(seg) - off, length - done);
            int part = fold(add(Mbuf.dataAddress(seg) + off, n, 0));
            acc += (done & 1) == 0 ? part : Integer.reverseBytes(part) >>> 16;
            done += n;
            off = 0;
            seg = Mbuf.next(seg);
        }
        return acc;
    }

    /**
     * The pseudo-header's sum (not folded) of the IPv4 or IPv6 header at {@code l3}: the addresses,
     * {@code protocol} and {@code l4Length}.
     */
    public static long pseudoHeader(long l3, boolean ipv4, int protocol, int l4Length) {
        long addresses = ipv4 ? add(l3 + 12, 8, 0) : add(l3 + 8, 32, 0);
        return addresses + protocol + l4Length;
    }

    /** Writes the header checksum of the IPv4 header at {@code l3}, {@code ihl} bytes long. */
    public static void fillIpv4Header(long l3, int ihl) {
        M.set(U16, l3 + 10, (short) 0);
        M.set(U16, l3 + 10, (short) ~fold(add(l3, ihl, 0)));
    }

    /** Whether {@code length} bytes at {@code address}, with {@code seed} added, sum to all ones (a valid checksum). */
    public static boolean verifies(long address, int length, long seed) {
        return fold(add(address, length, seed)) == 0xFFFF;
    }

    /** Folds a sum to 16 bits (not complemented). */
    public static int fold(long sum) {
        long s = sum;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /** The checksum field's value for a sum: complemented, 0 written as 0xFFFF (as UDP needs). */
    public static int finish(long sum) {
        int c = ~fold(sum) & 0xFFFF;
        return c == 0 ? 0xFFFF : c;
    }
}
