package io.cpumapd.packet;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.MbufChain;
import io.cpumapd.dpdk.Native;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The XDP context as a flyweight over one mbuf: bounds-checked big-endian access to the bytes in
 * place, RX metadata, head / tail adjustment, a metadata area that travels with the packet to the
 * consumer and into the SkBuff, and the redirect target. One instance per worker, rewrapped per packet.
 *
 * <p>A packet may span a chain of mbufs (a jumbo frame in 2 KiB data rooms): {@link #length()} is
 * the whole frame. Reads and writes inside the first segment ({@link #headLength()} bytes at
 * {@link #dataAddress()}) are direct; beyond it they walk the chain, so nothing is truncated.
 */
public final class Packet {
    /** Redirect target kinds. */
    public static final int TARGET_NONE = 0;
    public static final int TARGET_CPUMAP = 1;
    public static final int TARGET_PORT = 2;

    private static final MemorySegment M = Native.ALL;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Flags of {@link #redirect(int, int)}: the low two bits are the action when the key is empty. */
    public static final int REDIRECT_ACTION_MASK = 0x3;

    // Nothing of the head (data address, lengths) is copied here: the mbuf holds it, adjustHead and
    // adjustTail change it there, and the accessors read it there (an L1 hit: the driver just wrote
    // that line). A wrap costs one store, and a program that never reads the bytes reads none of it.
    private long mbuf;
    private int queue;
    private int mark;
    private int userValue;
    private long timestampNs;
    private int targetKind;
    private int targetKey;
    private int redirectFlags;
    // The metadata area sits on a cache line of its own: read it only when a program asks, write it
    // back only when a program changed it.
    private boolean metaRead;
    private boolean metaDirty;

    /** Points this flyweight at {@code mbuf}; mark, user value and queue come from its metadata area. */
    public void wrap(long mbuf) {
        this.mbuf = mbuf;
        this.metaRead = false;
        this.metaDirty = false;
        this.targetKind = TARGET_NONE;
    }

    private void readMeta() {
        if (!metaRead) {
            metaRead = true;
            queue = Mbuf.queue(mbuf);
            mark = Mbuf.mark(mbuf);
            userValue = Mbuf.userValue(mbuf);
            timestampNs = Mbuf.timestampNs(mbuf);
        }
    }

    /**
     * The RX core's start of a burst received on {@code queue} at {@code timestampNs}: what every
     * packet of the burst shares, set once for all of them before their {@link #wrapReceived}.
     */
    public void receiveBurst(int queue, long timestampNs) {
        this.queue = queue;
        this.timestampNs = timestampNs;
        this.mark = 0;
        this.userValue = 0;
        this.metaRead = true;
        this.metaDirty = false;
    }

    /**
     * The RX core's wrap of a packet of the burst given to {@link #receiveBurst}: nothing has set its
     * metadata yet, so the mempool's private area (a cache line of its own) is not read here; it is
     * written once, by {@link #commitReceived}. Mark and user value start at 0 (reset only when the
     * previous packet's filter changed them).
     */
    public void wrapReceived(long mbuf) {
        this.mbuf = mbuf;
        this.targetKind = TARGET_NONE;
        if (metaDirty) {
            // The previous packet's filter set a mark or user value: this one starts from none.
            this.mark = 0;
            this.userValue = 0;
            this.metaDirty = false;
        }
    }

    /** After the RX filter: the whole metadata area in one go (mark, user value, queue, RX time). */
    public void commitReceived() {
        Mbuf.writeMeta(mbuf, mark, userValue, queue, timestampNs);
    }

    /**
     * After a second-stage program: writes the mark and user value back into the mbuf's metadata
     * area if the program changed them. Lengths and offsets are never buffered here (the packet's
     * bytes are edited in place), so there is nothing else to write.
     */
    public void commit() {
        if (metaDirty) {
            Mbuf.setMark(mbuf, mark);
            Mbuf.setUserValue(mbuf, userValue);
        }
    }

    public long mbuf() {
        return mbuf;
    }

    /** Address of the first byte, for parsers that read in place (see {@code Headers}): {@link #headLength()} bytes. */
    public long dataAddress() {
        return Mbuf.dataAddress(mbuf);
    }

    /** Bytes of the whole frame, every segment. */
    public int length() {
        return Mbuf.packetLength(mbuf);
    }

    /** Bytes readable in place at {@link #dataAddress()}: the first segment (all of a frame that fits one mbuf). */
    public int headLength() {
        return Mbuf.dataLength(mbuf);
    }

    /** Whether the frame spans more than one mbuf. */
    public boolean isChained() {
        return headLength() != length();
    }

    public int port() {
        return Mbuf.port(mbuf);
    }

    public int queue() {
        readMeta();
        return queue;
    }

    /** The NIC's RSS hash (0 when the driver gives none). */
    public int rssHash() {
        return Mbuf.rssHash(mbuf);
    }

    public long olFlags() {
        return Mbuf.olFlags(mbuf);
    }

    /** When the RX core received the packet ({@link System#nanoTime()} base, once per burst); 0 if unknown. */
    public long timestampNs() {
        readMeta();
        return timestampNs;
    }

    public int mark() {
        readMeta();
        return mark;
    }

    public void setMark(int mark) {
        readMeta();
        metaDirty = true;
        this.mark = mark;
    }

    public int userValue() {
        readMeta();
        return userValue;
    }

    public void setUserValue(int value) {
        readMeta();
        metaDirty = true;
        this.userValue = value;
    }

    private long at(int offset, int size) {
        if (offset < 0 || offset > length() - size) {
            throw PacketBoundsException.INSTANCE;
        }
        return dataAddress() + offset;
    }

    /** Whether {@code size} bytes at {@code offset} lie in the first segment: the direct case. */
    private boolean inHead(int offset, int size) {
        return offset >= 0 && offset <= headLength() - size;
    }

    /** Big-endian value of {@code size} bytes at {@code offset} across segments: the slow path. */
    private long chainGet(int offset, int size) {
        at(offset, size);
        long v = 0;
        for (int i = 0; i < size; i++) {
            v = v << 8 | MbufChain.getU8(mbuf, offset + i);
        }
        return v;
    }

    private void chainSet(int offset, int size, long value) {
        at(offset, size);
        for (int i = 0; i < size; i++) {
            MbufChain.setU8(mbuf, offset + i, (int) (value >>> (8 * (size - 1 - i))));
        }
    }

    public int getU8(int offset) {
        if (inHead(offset, 1)) {
            return Byte.toUnsignedInt(M.get(ValueLayout.JAVA_BYTE, dataAddress() + offset));
        }
        return (int) chainGet(offset, 1);
    }

    public int getU16(int offset) {
        if (inHead(offset, 2)) {
            return Short.toUnsignedInt(M.get(U16, dataAddress() + offset));
        }
        return (int) chainGet(offset, 2);
    }

    /** Big-endian 32 bits (as an int; use {@link Integer#toUnsignedLong} for the unsigned value). */
    public int getU32(int offset) {
        if (inHead(offset, 4)) {
            return M.get(U32, dataAddress() + offset);
        }
        return (int) chainGet(offset, 4);
    }

    public long getU64(int offset) {
        if (inHead(offset, 8)) {
            return M.get(U64, dataAddress() + offset);
        }
        return chainGet(offset, 8);
    }

    public void setU8(int offset, int value) {
        if (inHead(offset, 1)) {
            M.set(ValueLayout.JAVA_BYTE, dataAddress() + offset, (byte) value);
        } else {
            chainSet(offset, 1, value);
        }
    }

    public void setU16(int offset, int value) {
        if (inHead(offset, 2)) {
            M.set(U16, dataAddress() + offset, (short) value);
        } else {
            chainSet(offset, 2, value);
        }
    }

    public void setU32(int offset, int value) {
        if (inHead(offset, 4)) {
            M.set(U32, dataAddress() + offset, value);
        } else {
            chainSet(offset, 4, value);
        }
    }

    public void setU64(int offset, long value) {
        if (inHead(offset, 8)) {
            M.set(U64, dataAddress() + offset, value);
        } else {
            chainSet(offset, 8, value);
        }
    }

    /** Copies {@code len} bytes at {@code offset} into {@code dst} (control paths and tests). */
    public void copyTo(int offset, byte[] dst, int dstOffset, int len) {
        if (inHead(offset, len)) {
            MemorySegment.copy(M, ValueLayout.JAVA_BYTE, dataAddress() + offset, dst, dstOffset, len);
            return;
        }
        at(offset, len);
        for (int i = 0; i < len; i++) {
            dst[dstOffset + i] = (byte) MbufChain.getU8(mbuf, offset + i);
        }
    }

    /**
     * {@code bpf_xdp_adjust_head}: a negative delta grows the packet into the headroom (to push a
     * header), a positive one shrinks it from the front. Returns false, changing nothing, when the
     * room is not there or less than an Ethernet header would remain.
     */
    public boolean adjustHead(int delta) {
        int headroom = Mbuf.dataOffset(mbuf);
        if (delta < -headroom || headLength() - delta < 14) {
            return false;
        }
        Mbuf.adjustHead(mbuf, delta);
        return true;
    }

    /**
     * {@code bpf_xdp_adjust_tail}: grows into the tailroom or shrinks; false when impossible, and
     * for a chained frame (its tail is in another segment).
     */
    public boolean adjustTail(int delta) {
        int length = length();
        if (isChained() || delta > Mbuf.tailroom(mbuf) || length + delta < 14) {
            return false;
        }
        Mbuf.setLength(mbuf, length + delta);
        return true;
    }

    /**
     * {@code bpf_redirect_map(cpumap, key, 0)}: send to the cpumap entry of {@code key}. When the
     * key has no entry the packet gets ABORTED (drop, counted as a redirect error).
     */
    public Verdict redirect(int key) {
        return redirect(key, 0);
    }

    /** As {@link #redirect(int)}; the low bits of {@code flags} are the action for an empty key. */
    public Verdict redirect(int key, int flags) {
        targetKind = TARGET_CPUMAP;
        targetKey = key;
        redirectFlags = flags;
        return Verdict.REDIRECT;
    }

    /** Out DPDK port {@code portId} (the devmap of a chain). */
    public Verdict redirectToPort(int portId) {
        targetKind = TARGET_PORT;
        targetKey = portId;
        redirectFlags = 0;
        return Verdict.REDIRECT;
    }

    public int targetKind() {
        return targetKind;
    }

    public int targetKey() {
        return targetKey;
    }

    /** The verdict a REDIRECT to an empty key becomes. */
    public Verdict fallback() {
        return Verdict.ofAction(redirectFlags & REDIRECT_ACTION_MASK);
    }
}
