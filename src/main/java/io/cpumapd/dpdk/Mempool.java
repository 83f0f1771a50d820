package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** A packet-mbuf mempool (as {@code rte_pktmbuf_pool_create}, see {@code cpm_pktmbuf_pool_create}) and its accounting. */
public final class Mempool implements AutoCloseable {
    /** Any NUMA socket. */
    public static final int SOCKET_ID_ANY = -1;
    /** RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data room plus the 128-byte headroom. */
    public static final int DEFAULT_DATA_ROOM = 2048 + 128;

    // The shim's variant packs mbufs back to back under IOVA as VA, as net_af_xdp's UMEM needs.
    private static final MethodHandle POOL_CREATE = Native.downcall("cpm_pktmbuf_pool_create",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT));
    private static final MethodHandle POOL_FREE = Native.downcall("rte_mempool_free",
            FunctionDescriptor.ofVoid(Native.POINTER));
    private static final MethodHandle AVAIL = Native.criticalDowncall("cpm_mempool_avail",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER));
    private static final MethodHandle IN_USE = Native.criticalDowncall("cpm_mempool_in_use",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER));
    private static final MethodHandle SIZE = Native.criticalDowncall("cpm_mempool_size",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, Native.POINTER));

    private final String name;
    private final long address;
    private final int size;
    private final int dataRoom;
    private boolean closed;

    private Mempool(String name, long address, int dataRoom) {
        this.name = name;
        this.address = address;
        this.size = call(SIZE, address);
        this.dataRoom = dataRoom;
    }

    /**
     * @param count       number of mbufs (DPDK's optimum is 2^q - 1)
     * @param cacheSize   per-lcore cache, 0 to disable; at most 512 and at most count / 1.5
     * @param dataRoom    data room per mbuf including headroom, see {@link #DEFAULT_DATA_ROOM}
     */
    public static Mempool create(String name, int count, int cacheSize, int dataRoom) {
        if (dataRoom < 0 || dataRoom > 0xffff) {
            throw new IllegalArgumentException("data room " + dataRoom + " must fit in 16 bits");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mp = (MemorySegment) POOL_CREATE.invokeExact(arena.allocateFrom(name), count, cacheSize,
                    (short) Mbuf.META_SIZE, (short) dataRoom, SOCKET_ID_ANY);
            if (mp.equals(MemorySegment.NULL)) {
                throw Errno.fromRteErrno("rte_pktmbuf_pool_create(" + name + ", n=" + count + ", cache="
                        + cacheSize + ", data_room=" + dataRoom + ")");
            }
            return new Mempool(name, mp.address(), dataRoom);
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public String name() {
        return name;
    }

    /** The {@code struct rte_mempool *}. */
    public long address() {
        return address;
    }

    /** Bytes of each mbuf's buffer, headroom included. */
    public int dataRoom() {
        return dataRoom;
    }

    /** Packet bytes one mbuf holds: the data room less the headroom. */
    public int segmentRoom() {
        return dataRoom - Mbuf.HEADROOM;
    }

    public int size() {
        return size;
    }

    /** Free mbufs, those in per-lcore caches included. */
    public int available() {
        return call(AVAIL, address);
    }

    /** Mbufs handed out and not yet freed: 0 when nothing leaked. */
    public int inUse() {
        return call(IN_USE, address);
    }

    private static int call(MethodHandle h, long mp) {
        try {
            return (int) h.invokeExact(mp);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Frees the pool; every mbuf must be back (and ports using it closed). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            POOL_FREE.invokeExact(address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Override
    public String toString() {
        return "mempool " + name + " size=" + size + " in_use=" + inUse();
    }
}
