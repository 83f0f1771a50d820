package io.cpumapd.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct ifreq} from {@code <net/if.h>}: a 16-byte name, then a 24-byte union that each
 * ioctl reads as flags, an int (MTU, ifindex) or a {@code struct sockaddr}. One per call.
 */
final class IfReq {
    static final long SIZE_BYTES = 40;
    private static final long NAME_BYTES = 16;
    private static final long UNION_OFFSET = 16;
    private static final short ARPHRD_ETHER = 1;

    private final MemorySegment segment;

    IfReq(Arena arena, String name) {
        segment = arena.allocate(SIZE_BYTES, 8);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    MemorySegment segment() {
        return segment;
    }

    /** The name the kernel wrote back: TUNSETIFF expands a "%d" pattern. */
    String name() {
        return segment.asSlice(0, NAME_BYTES).getString(0);
    }

    short flags() {
        return segment.get(ValueLayout.JAVA_SHORT, UNION_OFFSET);
    }

    IfReq flags(int flags) {
        segment.set(ValueLayout.JAVA_SHORT, UNION_OFFSET, (short) flags);
        return this;
    }

    int intValue() {
        return segment.get(ValueLayout.JAVA_INT, UNION_OFFSET);
    }

    IfReq intValue(int value) {
        segment.set(ValueLayout.JAVA_INT, UNION_OFFSET, value);
        return this;
    }

    /** A {@code sockaddr_in}: family in host order, port 0, address in network order. */
    IfReq ipv4(Inet4Address address) {
        segment.set(ValueLayout.JAVA_SHORT, UNION_OFFSET, (short) LibC.AF_INET);
        MemorySegment.copy(address.getAddress(), 0, segment, ValueLayout.JAVA_BYTE, UNION_OFFSET + 4, 4);
        return this;
    }

    IfReq hardwareAddress(byte[] mac) {
        segment.set(ValueLayout.JAVA_SHORT, UNION_OFFSET, ARPHRD_ETHER);
        MemorySegment.copy(mac, 0, segment, ValueLayout.JAVA_BYTE, UNION_OFFSET + 2, mac.length);
        return this;
    }

    byte[] hardwareAddress() {
        return segment.asSlice(UNION_OFFSET + 2, 6).toArray(ValueLayout.JAVA_BYTE);
    }
}
