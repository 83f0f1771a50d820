package io.cpumapd.jmh;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** mbuf-shaped native memory (struct, cpumapd metadata, headroom, data) for benchmarks without an EAL. */
final class FakeMbufs {
    private static final long OFF_BUF_ADDR = Native.constantU32("cpm_mbuf_off_buf_addr");
    private static final long OFF_DATA_OFF = Native.constantU32("cpm_mbuf_off_data_off");
    private static final long OFF_BUF_LEN = Native.constantU32("cpm_mbuf_off_buf_len");
    private static final int DATA_ROOM = 2048;

    private FakeMbufs() {
    }

    /** One fake mbuf per frame; returns their addresses. */
    static long[] of(Arena arena, byte[][] frames) {
        long[] out = new long[frames.length];
        for (int i = 0; i < frames.length; i++) {
            long head = Mbuf.STRUCT_SIZE + Mbuf.META_SIZE;
            MemorySegment s = arena.allocate(head + Mbuf.HEADROOM + DATA_ROOM, 64);
            long m = s.address();
            long buf = m + head;
            s.set(ValueLayout.JAVA_LONG, OFF_BUF_ADDR, buf);
            s.set(ValueLayout.JAVA_SHORT, OFF_DATA_OFF, (short) Mbuf.HEADROOM);
            s.set(ValueLayout.JAVA_SHORT, OFF_BUF_LEN, (short) (Mbuf.HEADROOM + DATA_ROOM));
            Mbuf.setLength(m, 0);
            Mbuf.fill(m, frames[i]);
            out[i] = m;
        }
        return out;
    }
}
