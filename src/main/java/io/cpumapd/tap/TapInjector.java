package io.cpumapd.tap;

import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Writes frames into one TAP queue in batches: {@link #add} collects up to
 * {@code batchCapacity} frames, {@link #flush} hands them to the kernel with one native call.
 * <p>
 * One injector per consumer thread and queue; it is not thread-safe, except its
 * {@link #counters()}, which any thread may read. Neither {@code add} nor {@code flush}
 * allocates or locks.
 * <p>
 * The injector never owns packet memory: it only reads the addresses it was given, during
 * {@code flush}. The caller frees the buffers (mbufs) after {@code flush} returns, whether the
 * kernel accepted each frame or not: the kernel copies what it accepts, and a refused frame is
 * counted, not retried.
 */
public final class TapInjector implements AutoCloseable {
    // Critical: a batch of non-blocking writes is short and never calls back into Java.
    private static final MethodHandle WRITE_BATCH = Native.criticalDowncall("cpm_tap_write_batch",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, Native.POINTER, ValueLayout.JAVA_INT,
                    Native.POINTER, Native.POINTER, ValueLayout.JAVA_INT, Native.POINTER));

    private final int fd;
    private final int hdrLenBytes;
    private final int batchCapacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment hdrAddresses;
    private final MemorySegment dataAddresses;
    private final MemorySegment dataLengths;
    private final MemorySegment results;
    private final MemorySegment defaultHeader;
    // Native addresses read once: flush passes plain longs, nothing to compute per call.
    private final long hdrAddressesAddress;
    private final long dataAddressesAddress;
    private final long dataLengthsAddress;
    private final long resultsAddress;
    private final long defaultHeaderAddress;
    private final InjectorCounters counters = new InjectorCounters();
    private int count;

    /** Binds to {@code device}'s queue {@code queue}; the device must outlive the injector. */
    public TapInjector(TapDevice device, int queue, int batchCapacity) {
        if (batchCapacity < 1) {
            throw new IllegalArgumentException("batchCapacity must be positive, was " + batchCapacity);
        }
        if (queue < 0 || queue >= device.queueCount()) {
            throw new IllegalArgumentException("queue " + queue + " does not exist on " + device);
        }
        this.fd = device.fd(queue);
        this.hdrLenBytes = device.vnetHdrBytes();
        this.batchCapacity = batchCapacity;
        hdrAddresses = arena.allocate(ValueLayout.JAVA_LONG, batchCapacity);
        dataAddresses = arena.allocate(ValueLayout.JAVA_LONG, batchCapacity);
        dataLengths = arena.allocate(ValueLayout.JAVA_INT, batchCapacity);
        results = arena.allocate(ValueLayout.JAVA_INT, batchCapacity);
        defaultHeader = arena.allocate(VnetHeader.SIZE_BYTES, 8); // zeroed: no offload, no GSO
        hdrAddressesAddress = hdrAddresses.address();
        dataAddressesAddress = dataAddresses.address();
        dataLengthsAddress = dataLengths.address();
        resultsAddress = results.address();
        defaultHeaderAddress = defaultHeader.address();
    }

    /**
     * Queues a frame whose vnet header is at {@code hdrAddress} (ignored when the device has
     * no vnet_hdr). Returns false, queuing nothing, when the batch is full: flush, then add again.
     */
    public boolean add(long hdrAddress, long dataAddress, int lengthBytes) {
        int i = count;
        if (i == batchCapacity) {
            return false;
        }
        hdrAddresses.setAtIndex(ValueLayout.JAVA_LONG, i, hdrAddress);
        dataAddresses.setAtIndex(ValueLayout.JAVA_LONG, i, dataAddress);
        dataLengths.setAtIndex(ValueLayout.JAVA_INT, i, lengthBytes);
        count = i + 1;
        return true;
    }

    /** {@link #add(long, long, int)} with the injector's {@link #defaultHeader()}. */
    public boolean add(long dataAddress, int lengthBytes) {
        return add(defaultHeaderAddress, dataAddress, lengthBytes);
    }

    /**
     * Writes every queued frame, then empties the batch. Refused frames are counted by errno;
     * nothing is thrown for them. Returns the number of frames the kernel accepted.
     */
    public int flush() {
        int n = count;
        if (n == 0) {
            return 0;
        }
        count = 0;
        int written;
        try {
            written = (int) WRITE_BATCH.invokeExact(fd, hdrAddressesAddress, hdrLenBytes, dataAddressesAddress,
                    dataLengthsAddress, n, resultsAddress);
        } catch (Throwable t) {
            throw new AssertionError(t); // the C function cannot throw: only a linkage bug gets here
        }
        long frameBytes = 0;
        for (int i = 0; i < n; i++) {
            int result = results.getAtIndex(ValueLayout.JAVA_INT, i);
            if (result >= 0) {
                frameBytes += result - hdrLenBytes;
            } else {
                counters.addError(InjectError.slot(-result));
            }
        }
        counters.addSent(written, frameBytes);
        if (written != n) {
            counters.addErrors(n - written);
        }
        return written;
    }

    /** Frames added since the last flush. */
    public int pending() {
        return count;
    }

    public int batchCapacity() {
        return batchCapacity;
    }

    /**
     * The 12 bytes {@link #add(long, int)} sends in front of each frame: all zero at start; set
     * e.g. {@link VnetHeader#F_DATA_VALID} here, before the first flush, to skip checksum checks.
     */
    public MemorySegment defaultHeader() {
        return defaultHeader;
    }

    public InjectorCounters counters() {
        return counters;
    }

    /** Frees the batch arrays. Pending frames are dropped uncounted: flush first. */
    @Override
    public void close() {
        count = 0; // a flush after close must not hand freed arrays to the kernel
        arena.close();
    }
}
