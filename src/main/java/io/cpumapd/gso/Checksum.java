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
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code address}, as if they started on an even offset.
     * <p>
     * The bytes are read as unsigned little-endian 32-bit words (the host's order: no byte swap per
     * load) and summed into a long, which cannot overflow for any length below 2^31. The loop is the
     * shape C2's SuperWord vectorizes (an int counter, one load, a widening add into one sum): it
     * sums 16 or 32 bytes per instruction instead of 8. Summing little-endian 16-bit words gives the
     * byte-swapped sum of the big-endian words (RFC 1071, byte order independence), and a 32-bit word
     * is two 16-bit words once folded (2^16 = 1 modulo 2^16 - 1): the folded result is swapped back
     * once at the end.
     */
    public static long add(long address, int length, long sum) {
        long a = address & Native.ADDRESS_MASK; // changes no address; drops the bounds check of each load
        int words = length >>> 2;
        long acc = 0;
        for (int k = 0; k < words; k++) {
            acc += Integer.toUnsignedLong(M.get(LE32, a + 4L * k));
        }
        int i = words << 2;
        if (i + 2 <= length) {
            acc += Short.toUnsignedInt(M.get(LE16, a + i));
            i += 2;
        }
        if (i < length) {
            acc += M.get(ValueLayout.JAVA_BYTE, a + i) & 0xFF; // low byte of a little-endian word
        }
        int swapped = fold(acc);
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
