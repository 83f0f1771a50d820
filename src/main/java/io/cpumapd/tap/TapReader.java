package io.cpumapd.tap;

import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Reads what the kernel sends on one TAP queue, in batches, straight into mbufs: one native call
 * per batch ({@code cpm_tap_read_batch}), one readv per frame into the data rooms of mbufs the
 * shim keeps in a stash, the vnet header into the mbuf's private area ({@link
 * Mbuf#vnetHeaderAddress}). A frame bigger than one data room arrives as a chain. One per thread.
 */
public final class TapReader implements AutoCloseable {
    /** The biggest frame a TAP with TSO hands over: a 64 KiB GSO skb, its Ethernet header and a VLAN tag. */
    public static final int MAX_GSO_FRAME_BYTES = 65536 + 14 + 4;

    private static final int STATE_BYTES = Native.constantU32("cpm_tap_reader_size");
    private static final long OFF_NOMBUF = 32;
    private static final long OFF_ERRORS = 40;
    private static final long OFF_EMPTY = 48;
    private static final MethodHandle INIT = Native.downcall("cpm_tap_reader_init",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER, Native.POINTER, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    // Critical: non-blocking reads and a bulk mbuf allocation, never a callback into Java.
    private static final MethodHandle READ_BATCH = Native.criticalDowncall("cpm_tap_read_batch",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER, ValueLayout.JAVA_INT, Native.POINTER,
                    ValueLayout.JAVA_INT));
    private static final MethodHandle RELEASE = Native.downcall("cpm_tap_reader_release",
            FunctionDescriptor.ofVoid(Native.POINTER));

    private final int fd;
    private final MemorySegment state;
    private final long stateAddress;
    private boolean closed;

    /**
     * @param port          written into every mbuf read (the port the frames leave through)
     * @param maxFrameBytes the biggest frame to take whole; the kernel's bigger ones are counted as errors
     */
    public TapReader(TapDevice device, int queue, Mempool pool, int port, int maxFrameBytes, Arena arena) {
        this.fd = device.fd(queue);
        int room = pool.segmentRoom();
        int maxSegs = (maxFrameBytes + room - 1) / room;
        state = arena.allocate(STATE_BYTES, 64);
        stateAddress = state.address();
        int ret;
        try {
            // The vnet header lands where Mbuf.vnetHeaderAddress(m) finds it: its offset from m.
            ret = (int) INIT.invokeExact(stateAddress, pool.address(), maxSegs, (int) Mbuf.vnetHeaderAddress(0),
                    device.vnetHdrBytes(), (short) port);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (ret != 0) {
            throw new IllegalArgumentException("cannot read frames of " + maxFrameBytes + " bytes into mbufs of "
                    + room + " (" + maxSegs + " segments; the limit is 64)");
        }
    }

    /**
     * Reads up to {@code n} frames into {@code out[0..)}; returns how many, or {@code -errno} when the
     * queue failed before the first (EBADFD: detached). An empty queue is 0.
     */
    public int read(HandleArray out, int n) {
        try {
            return (int) READ_BATCH.invokeExact(stateAddress, fd, out.address(0), n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Batches cut short because the mempool was empty (the frames wait in the TAP queue). */
    public long noMbuf() {
        return state.get(ValueLayout.JAVA_LONG, OFF_NOMBUF);
    }

    /** Frames lost while reading: refused by the kernel, or bigger than the rooms offered. */
    public long errors() {
        return state.get(ValueLayout.JAVA_LONG, OFF_ERRORS);
    }

    /** Reads that returned no frame bytes. */
    public long empty() {
        return state.get(ValueLayout.JAVA_LONG, OFF_EMPTY);
    }

    /** Gives the stash back to the mempool; call on the owning thread, before the pool closes. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                RELEASE.invokeExact(stateAddress);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }
}
