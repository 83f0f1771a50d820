package io.cpumapd.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds Ethernet / IPv4 / UDP frames by hand, as a NIC would deliver them, for injection tests. */
final class UdpFrames {
    static final int ETH_BYTES = 14;
    static final int IPV4_BYTES = 20;
    static final int UDP_BYTES = 8;
    private static final ValueLayout.OfShort U16_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final byte[] SOURCE_MAC = {0x02, 0x00, (byte) 0xc6, 0x12, 0x00, 0x02};

    private UdpFrames() {
    }

    /**
     * Writes a frame at {@code offset} and returns its length in bytes. The UDP checksum is 0
     * ("none", allowed for IPv4); the IPv4 header checksum is real, since the stack checks it.
     */
    static int write(MemorySegment segment, long offset, byte[] dstMac, byte[] srcIp, byte[] dstIp, int dstPort,
                     String payload) {
        byte[] data = payload.getBytes(StandardCharsets.UTF_8);
        int ipTotalBytes = IPV4_BYTES + UDP_BYTES + data.length;
        MemorySegment frame = segment.asSlice(offset, ETH_BYTES + ipTotalBytes);
        frame.fill((byte) 0);
        MemorySegment.copy(dstMac, 0, frame, ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(SOURCE_MAC, 0, frame, ValueLayout.JAVA_BYTE, 6, 6);
        frame.set(U16_BE, 12, (short) 0x0800);

        MemorySegment ip = frame.asSlice(ETH_BYTES, IPV4_BYTES);
        ip.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x45);
        ip.set(U16_BE, 2, (short) ipTotalBytes);
        ip.set(ValueLayout.JAVA_BYTE, 8, (byte) 64);
        ip.set(ValueLayout.JAVA_BYTE, 9, (byte) 17);
        MemorySegment.copy(srcIp, 0, ip, ValueLayout.JAVA_BYTE, 12, 4);
        MemorySegment.copy(dstIp, 0, ip, ValueLayout.JAVA_BYTE, 16, 4);
        ip.set(U16_BE, 10, (short) checksum(ip));

        MemorySegment udp = frame.asSlice(ETH_BYTES + IPV4_BYTES);
        udp.set(U16_BE, 0, (short) 40000);
        udp.set(U16_BE, 2, (short) dstPort);
        udp.set(U16_BE, 4, (short) (UDP_BYTES + data.length));
        MemorySegment.copy(data, 0, udp, ValueLayout.JAVA_BYTE, UDP_BYTES, data.length);
        return (int) frame.byteSize();
    }

    /** The Internet checksum (RFC 1071) of a header whose checksum field is still zero. */
    static int checksum(MemorySegment header) {
        long sum = 0;
        for (long i = 0; i < header.byteSize(); i += 2) {
            sum += header.get(U16_BE, i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
