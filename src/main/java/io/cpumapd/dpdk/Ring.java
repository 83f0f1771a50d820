package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * An {@code rte_ring} of 64-bit handles. The producer / consumer kinds are fixed at creation
 * (cpumap entries use multi-producer / single-consumer); {@link #enqueueBurst} and
 * {@link #dequeueBurst} follow them.
 */
public final class Ring implements AutoCloseable {
    /** RING_F_SP_ENQ: one producer thread only. */
    public static final int SINGLE_PRODUCER = 0x1;
    /** RING_F_SC_DEQ: one consumer thread only. */
    public static final int SINGLE_CONSUMER = 0x2;
    /** RING_F_EXACT_SZ: any count, rounded up internally, capacity exactly count. */
    public static final int EXACT_SIZE = 0x4;
    /** RTE_RING_SZ_MASK: the largest count a ring takes. */
    public static final int MAX_COUNT = 0x7fffffff;

    private static final MethodHandle CREATE = Native.downcall("rte_ring_create",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FREE = Native.downcall("rte_ring_free", FunctionDescriptor.ofVoid(Native.POINTER));
    private static final FunctionDescriptor BURST = FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER,
            Native.POINTER, ValueLayout.JAVA_INT);
    private static final MethodHandle ENQUEUE = Native.criticalDowncall("cpm_ring_enqueue_burst", BURST);
    private static final MethodHandle ENQUEUE_OR_FREE = Native.criticalDowncall("cpm_ring_enqueue_or_free", BURST);
    private static final MethodHandle DEQUEUE = Native.criticalDowncall("cpm_ring_dequeue_burst", BURST);
    private static final FunctionDescriptor QUERY = FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER);
    private static final MethodHandle COUNT = Native.criticalDowncall("cpm_ring_count", QUERY);
    private static final MethodHandle FREE_COUNT = Native.criticalDowncall("cpm_ring_free_count", QUERY);
    private static final MethodHandle CAPACITY = Native.criticalDowncall("cpm_ring_capacity", QUERY);

    private final String name;
    private final long address;
    private final int capacity;
    private boolean closed;

    private Ring(String name, long address) {
        this.name = name;
        this.address = address;
        this.capacity = query(CAPACITY);
    }

    /**
     * Creates a ring. Without {@link #EXACT_SIZE}, {@code count} must be a power of two and the
     * ring holds {@code count - 1}. Names are process-wide and unique.
     */
    public static Ring create(String name, int count, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = (MemorySegment) CREATE.invokeExact(arena.allocateFrom(name), count,
                    Mempool.SOCKET_ID_ANY, flags);
            if (r.equals(MemorySegment.NULL)) {
                DpdkException e = Errno.fromRteErrno("rte_ring_create(" + name + ", count=" + count + ")");
                if (e.errno() == Errno.EINVAL && (flags & EXACT_SIZE) == 0 && Integer.bitCount(count) != 1) {
                    throw new DpdkException(e.operation(), e.errno(), Errno.strerror(e.errno())
                            + ": count must be a power of two unless the ring is exact-size");
                }
                throw e;
            }
            return new Ring(name, r.address());
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Enqueues up to {@code n} handles starting at {@code from}; returns how many went in (fewer when full). */
    public int enqueueBurst(HandleArray handles, int from, int n) {
        try {
            return (int) ENQUEUE.invokeExact(address, handles.address(from), n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * A producer's push in one native call: enqueues up to {@code n} handles from native address
     * {@code array}, and frees the ones the ring did not take (handles of either kind, see
     * {@code SkbHandle}: untagged first). Returns how many went in; the rest are gone.
     */
    public int enqueueOrFree(long array, int n) {
        try {
            return (int) ENQUEUE_OR_FREE.invokeExact(address, array, n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Dequeues up to {@code n} handles into {@code handles[0..)}; returns how many came out. */
    public int dequeueBurst(HandleArray handles, int n) {
        try {
            return (int) DEQUEUE.invokeExact(address, handles.address(0), n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Handles now in the ring (a snapshot; others may be enqueueing). */
    public int count() {
        return query(COUNT);
    }

    public int freeCount() {
        return query(FREE_COUNT);
    }

    /** How many handles the ring can hold. */
    public int capacity() {
        return capacity;
    }

    public String name() {
        return name;
    }

    private int query(MethodHandle h) {
        try {
            return (int) h.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Frees the ring; what it still holds is the caller's to free first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
