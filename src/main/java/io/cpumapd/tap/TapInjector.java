package io.cpumapd.tap;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Writes frames into one TAP queue in batches: {@link #add} collects up to
 * {@code batchCapacity} frames, {@link #flush} hands them to the kernel with one native call.
 * Each frame is one writev of an iovec list (the vnet header, then the frame's pieces): a chained
 * mbuf goes in whole with an iovec per segment, and a frame can be put together from slices of
 * several buffers ({@link #beginFrame}, {@link #addSlice}, {@link #endFrame}), as GRO will.
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
    /** Most iovecs one frame may take (a 64 KiB frame in 2 KiB segments is 33, plus the header). */
    public static final int MAX_IOV_PER_FRAME = 65;

    // Critical: a batch of non-blocking writes is short and never calls back into Java.
    private static final MethodHandle WRITEV_BATCH = Native.criticalDowncall("cpm_tap_writev_batch",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, Native.POINTER, Native.POINTER,
                    ValueLayout.JAVA_INT, Native.POINTER));
    private static final long IOV_BYTES = 16; // struct iovec on LP64: base, len

    private final int fd;
    private final int hdrLenBytes;
    private final boolean uso4;
    private final boolean uso6;
    private final int batchCapacity;
    private final int iovCapacity;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iov;
    private final MemorySegment iovCounts;
    private final MemorySegment results;
    private final MemorySegment defaultHeader;
    // Native addresses read once: flush passes plain longs, nothing to compute per call.
    private final long iovAddress;
    private final long iovCountsAddress;
    private final long resultsAddress;
    private final long defaultHeaderAddress;
    private final InjectorCounters counters;
    private int count;
    private int iovUsed;
    private int frameStart; // iovUsed when the frame being built began

    /** Binds to {@code device}'s queue {@code queue}; the device must outlive the injector. */
    public TapInjector(TapDevice device, int queue, int batchCapacity) {
        this(device, queue, batchCapacity, new InjectorCounters());
    }

    /**
     * As {@link #TapInjector(TapDevice, int, int)}, counting into {@code counters}, which one thread's
     * injectors into several TAPs may share (the thread is their only writer).
     */
    public TapInjector(TapDevice device, int queue, int batchCapacity, InjectorCounters counters) {
        this.counters = counters;
        if (batchCapacity < 1) {
            throw new IllegalArgumentException("batchCapacity must be positive, was " + batchCapacity);
        }
        if (queue < 0 || queue >= device.queueCount()) {
            throw new IllegalArgumentException("queue " + queue + " does not exist on " + device);
        }
        this.fd = device.fd(queue);
        this.hdrLenBytes = device.vnetHdrBytes();
        // The kernel took USO in TUNSETOFFLOAD (6.2+): it also reads GSO_UDP_L4 frames written to it.
        this.uso4 = hdrLenBytes != 0 && (device.offloads() & TapDevice.TUN_F_USO4) != 0;
        this.uso6 = hdrLenBytes != 0 && (device.offloads() & TapDevice.TUN_F_USO6) != 0;
        this.batchCapacity = batchCapacity;
        // Room for a batch of two-piece frames, and always for one frame of the most pieces.
        this.iovCapacity = 2 * batchCapacity + MAX_IOV_PER_FRAME;
        iov = arena.allocate(IOV_BYTES * iovCapacity, 8);
        iovCounts = arena.allocate(ValueLayout.JAVA_INT, batchCapacity);
        results = arena.allocate(ValueLayout.JAVA_INT, batchCapacity);
        defaultHeader = arena.allocate(VnetHeader.SIZE_BYTES, 8); // zeroed: no offload, no GSO
        iovAddress = iov.address();
        iovCountsAddress = iovCounts.address();
        resultsAddress = results.address();
        defaultHeaderAddress = defaultHeader.address();
    }

    /** Whether a frame of {@code pieces} pieces (segments or slices) fits in the batch now. */
    public boolean fits(int pieces) {
        return count < batchCapacity && iovUsed + 1 + pieces <= iovCapacity;
    }

    /**
     * Queues a frame whose vnet header is at {@code hdrAddress} (ignored when the device has
     * no vnet_hdr). Returns false, queuing nothing, when the batch is full: flush, then add again.
     */
    public boolean add(long hdrAddress, long dataAddress, int lengthBytes) {
        if (!fits(1)) {
            return false;
        }
        beginFrame(hdrAddress);
        addSlice(dataAddress, lengthBytes);
        endFrame();
        return true;
    }

    /** {@link #add(long, long, int)} with the injector's {@link #defaultHeader()}. */
    public boolean add(long dataAddress, int lengthBytes) {
        return add(defaultHeaderAddress, dataAddress, lengthBytes);
    }

    /**
     * Queues the whole packet in mbuf chain {@code m}, an iovec per segment. Returns false, queuing
     * nothing, when it does not fit the batch now (flush, then add again) or has more segments
     * than a frame may take ({@link #MAX_IOV_PER_FRAME}).
     */
    public boolean addChain(long hdrAddress, long m) {
        int segs = Mbuf.segments(m);
        if (segs >= MAX_IOV_PER_FRAME || !fits(segs)) {
            return false;
        }
        beginFrame(hdrAddress);
        int left = Mbuf.packetLength(m);
        for (long seg = m; seg != 0 && left > 0; seg = Mbuf.next(seg)) {
            int n = Math.min(Mbuf.dataLength(seg), left);
            addSlice(Mbuf.dataAddress(seg), n);
            left -= n;
        }
        endFrame();
        return true;
    }

    /** Starts a frame of pieces; the caller checked {@link #fits} for all of them. */
    public void beginFrame(long hdrAddress) {
        frameStart = iovUsed;
        if (hdrLenBytes != 0) {
            iov(hdrAddress, hdrLenBytes);
        }
    }

    /** Appends {@code lengthBytes} at {@code address} to the frame begun. */
    public void addSlice(long address, int lengthBytes) {
        iov(address, lengthBytes);
    }

    public void endFrame() {
        iovCounts.setAtIndex(ValueLayout.JAVA_INT, count++, iovUsed - frameStart);
    }

    private void iov(long base, long length) {
        long at = IOV_BYTES * iovUsed++;
        iov.set(ValueLayout.JAVA_LONG, at, base);
        iov.set(ValueLayout.JAVA_LONG, at + 8, length);
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
        iovUsed = 0;
        int written;
        try {
            written = (int) WRITEV_BATCH.invokeExact(fd, iovAddress, iovCountsAddress, n, resultsAddress);
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

    /** Whether frames carry a vnet header, so GSO frames can be written. */
    public boolean vnetHdr() {
        return hdrLenBytes != 0;
    }

    /** Whether GSO_UDP_L4 frames over IPv4 may be written (the TAP accepted USO). */
    public boolean uso4() {
        return uso4;
    }

    public boolean uso6() {
        return uso6;
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
        iovUsed = 0;
        arena.close();
    }
}
