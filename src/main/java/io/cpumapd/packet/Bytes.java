package io.cpumapd.packet;

import io.cpumapd.dpdk.Native;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Big-endian reads at absolute addresses, for {@link Headers} and for the fields it has found inside
 * a frame: no bounds check beyond the caller's, no allocation. Each read site inlines the whole FFM
 * access chain, so hot code uses few of them (one wide read rather than several narrow ones).
 */
public final class Bytes {
    private static final MemorySegment ALL = Native.ALL;
    private static final VarHandle U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN)
            .varHandle().withInvokeExactBehavior();
    private static final VarHandle U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN)
            .varHandle().withInvokeExactBehavior();
    private static final VarHandle U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN)
            .varHandle().withInvokeExactBehavior();

    private Bytes() {
    }

    public static int u8(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address) & 0xFF;
    }

    public static int u16(long address) {
        return (short) U16.get(ALL, address) & 0xFFFF;
    }

    public static int u32(long address) {
        return (int) U32.get(ALL, address);
    }

    public static long u64(long address) {
        return (long) U64.get(ALL, address);
    }
}
