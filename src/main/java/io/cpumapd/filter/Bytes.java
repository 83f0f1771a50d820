package io.cpumapd.filter;

import io.cpumapd.dpdk.Native;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian reads at absolute addresses, for fields {@link io.cpumapd.packet.Headers} has already
 * found inside the frame: no second bounds check, no allocation.
 */
final class Bytes {
    private static final MemorySegment ALL = Native.ALL;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final java.lang.invoke.VarHandle U32H = U32.varHandle().withInvokeExactBehavior();
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final java.lang.invoke.VarHandle U64H = U64.varHandle().withInvokeExactBehavior();

    private Bytes() {
    }

    static int u8(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address) & 0xFF;
    }

    static int u32(long address) {
        return (int) U32H.get(ALL, address);
    }

    static long u64(long address) {
        return (long) U64H.get(ALL, address);
    }
}
