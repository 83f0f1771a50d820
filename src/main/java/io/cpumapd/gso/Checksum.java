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
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /** Adds {@code length} bytes at {@code address}, as if they started on an even offset. */
    public static long add(long address, int length, long sum) {
        long acc = sum;
        int i = 0;
        // Two 32-bit halves per load: each add stays far below 2^63 for any frame size.
        for (; i + 8 <= length; i += 8) {
            long v = M.get(U64, address + i);
            acc += (v >>> 32) + (v & 0xFFFF_FFFFL);
        }
        for (; i + 2 <= length; i += 2) {
            acc += Short.toUnsignedInt(M.get(U16, address + i));
        }
        if (i < length) {
            acc += (M.get(ValueLayout.JAVA_BYTE, address + i) & 0xFF) << 8;
        }
        return acc;
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
