package io.cpumapd.testkit;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Test helpers for frames in mbufs and their checksums: a frame put into a chain of mbufs, and an
 * Internet checksum computed byte by byte, independently of the code under test.
 */
public final class Frames {
    private Frames() {
    }

    /** {@code frame} in as many mbufs of {@code pool} as it needs, each filled to its room. */
    public static long chain(Mempool pool, byte[] frame) {
        int room = pool.segmentRoom();
        int count = Math.max(1, (frame.length + room - 1) / room);
        try (Arena arena = Arena.ofConfined()) {
            HandleArray h = new HandleArray(arena, count);
            if (!Mbuf.allocBulk(pool, h, count)) {
                throw new IllegalStateException("mempool empty");
            }
            int at = 0;
            for (int i = 0; i < count; i++) {
                long m = h.get(i);
                int n = Math.min(room, frame.length - at);
                MemorySegment.copy(frame, at, Native.ALL, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(m), n);
                Mbuf.setDataLength(m, n);
                Mbuf.setNext(m, i + 1 < count ? h.get(i + 1) : 0);
                at += n;
            }
            long head = h.get(0);
            Mbuf.setPacketLength(head, frame.length);
            Mbuf.setSegments(head, count);
            return head;
        }
    }

    /** Writes a virtio_net_hdr into the mbuf's metadata area (little-endian fields). */
    public static void vnetHeader(long m, int flags, int gsoType, int gsoSize, int csumStart, int csumOffset) {
        long h = Mbuf.vnetHeaderAddress(m);
        ByteBuffer b = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) flags).put((byte) gsoType).putShort((short) 0).putShort((short) gsoSize)
                .putShort((short) csumStart).putShort((short) csumOffset).putShort((short) 0);
        MemorySegment.copy(b.array(), 0, Native.ALL, ValueLayout.JAVA_BYTE, h, 12);
    }

    /** Ones' complement sum of {@code bytes[from, from+len)}, folded, not complemented. */
    public static int sum(byte[] bytes, int from, int len, int start) {
        long s = start;
        for (int i = 0; i < len; i++) {
            int b = bytes[from + i] & 0xFF;
            s += (i & 1) == 0 ? b << 8 : b;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    /**
     * Whether the IPv4 header checksum (when IPv4) and the TCP / UDP checksum of an untagged
     * Ethernet frame verify: each sums to 0xFFFF with its pseudo-header.
     */
    public static boolean checksumsValid(byte[] f) {
        int type = u16(f, 12);
        int l3 = 14;
        int proto;
        int l4;
        int pseudo;
        if (type == 0x0800) {
            int ihl = (f[l3] & 0x0F) * 4;
            if (sum(f, l3, ihl, 0) != 0xFFFF) {
                return false;
            }
            proto = f[l3 + 9] & 0xFF;
            l4 = l3 + ihl;
            int l4Len = u16(f, l3 + 2) - ihl;
            pseudo = sum(f, l3 + 12, 8, proto + l4Len);
        } else if (type == 0x86DD) {
            proto = f[l3 + 6] & 0xFF;
            l4 = l3 + 40;
            pseudo = sum(f, l3 + 8, 32, proto + u16(f, l3 + 4));
        } else {
            return false;
        }
        int end = type == 0x0800 ? l3 + u16(f, l3 + 2) : l4 + u16(f, l3 + 4);
        return (proto == 6 || proto == 17) && sum(f, l4, end - l4, pseudo) == 0xFFFF;
    }

    public static int u16(byte[] f, int at) {
        return (f[at] & 0xFF) << 8 | (f[at + 1] & 0xFF);
    }

    public static long u32(byte[] f, int at) {
        return (long) u16(f, at) << 16 | u16(f, at + 2);
    }
}
