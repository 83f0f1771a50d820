package io.cpumapd.filter.testkit;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.PcapReader;
import io.cpumapd.pcap.PcapRecord;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link PacketFilter} on crafted frames without DPDK's EAL: the frames are written into
 * mbuf-shaped native memory laid out as a mempool lays out an mbuf ({@code struct rte_mbuf}, then
 * cpumapd's private metadata area of {@link Mbuf#META_SIZE} bytes, then headroom and data), so the
 * filter sees exactly the {@link Packet} an RX worker would give it. Only the native shim is loaded
 * (for the field offsets); nothing is allocated from a mempool and nothing needs freeing but this
 * harness. Not thread-safe: one harness per test thread.
 *
 * <pre>{@code
 * try (FilterHarness harness = new FilterHarness()) {
 *     FilterResult r = harness.run(filter, FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(1, 53).build());
 *     assertThat(r.verdict()).isEqualTo(Verdict.DROP);
 * }
 * }</pre>
 */
public final class FilterHarness implements AutoCloseable {
    /** Default data room of each mbuf: a 9000-byte jumbo frame fits. */
    public static final int DATA_ROOM = 9216;

    private static final MemorySegment M = Native.ALL;
    // Offsets of the fields Mbuf reads but has no setter for (the shim exports them all).
    private static final long OFF_BUF_ADDR = Native.constantU32("cpm_mbuf_off_buf_addr");
    private static final long OFF_DATA_OFF = Native.constantU32("cpm_mbuf_off_data_off");
    private static final long OFF_NB_SEGS = Native.constantU32("cpm_mbuf_off_nb_segs");
    private static final long OFF_PORT = Native.constantU32("cpm_mbuf_off_port");
    private static final long OFF_VLAN_TCI = Native.constantU32("cpm_mbuf_off_vlan_tci");
    private static final long OFF_BUF_LEN = Native.constantU32("cpm_mbuf_off_buf_len");
    private static final long OFF_REFCNT = Native.constantU32("cpm_mbuf_off_refcnt");

    private final Arena arena = Arena.ofShared();
    private final long base;
    private final int slots;
    private final int dataRoom;
    private final long slotBytes;
    private final Packet packet = new Packet();

    private int port;
    private int queue;
    private int rssHash;
    private long olFlags;
    private int vlanTci;
    private long timestampNs;
    private int mark;
    private int userValue;

    /** One mbuf, for {@link #run}. */
    public FilterHarness() {
        this(1);
    }

    /** {@code slots} mbufs, for benchmarks that cycle over many loaded frames ({@link #load}). */
    public FilterHarness(int slots) {
        this(slots, DATA_ROOM);
    }

    /**
     * {@code slots} mbufs of {@code dataRoom} bytes each; a benchmark may pick DPDK's default 2048 so
     * that its frames take as much cache as a real mempool's would.
     */
    public FilterHarness(int slots, int dataRoom) {
        if (slots < 1 || dataRoom < 64 || dataRoom + Mbuf.HEADROOM > 0xFFFF) {
            throw new IllegalArgumentException("need at least one mbuf and a data room of 64.."
                    + (0xFFFF - Mbuf.HEADROOM) + " bytes: " + slots + ", " + dataRoom);
        }
        this.slots = slots;
        this.dataRoom = dataRoom;
        this.slotBytes = align(Mbuf.STRUCT_SIZE + Mbuf.META_SIZE + Mbuf.HEADROOM + dataRoom);
        this.base = arena.allocate(slotBytes * slots, 64).address();
    }

    private static long align(long bytes) {
        return (bytes + 63) & ~63L;
    }

    // ---- RX metadata for the frames that follow ----

    public FilterHarness port(int port) {
        this.port = port;
        return this;
    }

    public FilterHarness queue(int queue) {
        this.queue = queue;
        return this;
    }

    /** The NIC's RSS hash; also sets the RSS-hash offload flag. */
    public FilterHarness rssHash(int hash) {
        this.rssHash = hash;
        this.olFlags |= OlFlags.RX_RSS_HASH;
        return this;
    }

    /** As if the NIC had stripped a VLAN tag with this TCI (frames keep their bytes as given). */
    public FilterHarness strippedVlan(int tci) {
        this.vlanTci = tci;
        this.olFlags |= OlFlags.RX_VLAN | OlFlags.RX_VLAN_STRIPPED;
        return this;
    }

    public FilterHarness olFlags(long flags) {
        this.olFlags = flags;
        return this;
    }

    /** The RX timestamp the worker would set ({@link System#nanoTime()} base); 0 = none taken. */
    public FilterHarness timestampNs(long ns) {
        this.timestampNs = ns;
        return this;
    }

    /** Mark and user value the packet arrives with (0 on a real RX path). */
    public FilterHarness metadata(int mark, int userValue) {
        this.mark = mark;
        this.userValue = userValue;
        return this;
    }

    // ---- running ----

    /**
     * Runs {@code filter} on {@code frame} as an RX worker would, as a burst of one packet
     * ({@link PacketFilter#beginBurst} first); exceptions are caught and reported.
     */
    public FilterResult run(PacketFilter filter, byte[] frame) {
        long m = load(0, frame);
        packet.wrap(m);
        Verdict verdict;
        RuntimeException thrown = null;
        try {
            filter.beginBurst();
            verdict = filter.filter(packet);
            packet.commit();
            if (verdict == null) {
                verdict = Verdict.ABORTED;
            }
        } catch (RuntimeException e) {
            verdict = Verdict.ABORTED;
            thrown = e;
        }
        return new FilterResult(verdict, packet.targetKind(), packet.targetKey(), packet.fallback(),
                Mbuf.mark(m), Mbuf.userValue(m), Mbuf.copyData(m), thrown);
    }

    /** Runs {@code filter} on every record of a pcap file; each packet's timestamp is its capture time. */
    public List<FilterResult> runPcap(PacketFilter filter, Path pcap) throws IOException {
        List<FilterResult> results = new ArrayList<>();
        long saved = timestampNs;
        try (PcapReader reader = PcapReader.open(pcap)) {
            for (PcapRecord r; (r = reader.next()) != null; ) {
                timestampNs = r.timestampNanos();
                results.add(run(filter, r.data()));
            }
        } finally {
            timestampNs = saved;
        }
        return results;
    }

    /**
     * Writes {@code frame} into mbuf {@code slot} as freshly received (metadata as configured) and
     * returns the mbuf's address, for loops that {@link Packet#wrap} it themselves.
     */
    public long load(int slot, byte[] frame) {
        if (frame.length > dataRoom) {
            throw new IllegalArgumentException(frame.length + "-byte frame exceeds the " + dataRoom + "-byte data room");
        }
        long m = mbuf(slot);
        M.asSlice(m, slotBytes).fill((byte) 0);
        M.set(ValueLayout.JAVA_LONG, m + OFF_BUF_ADDR, m + Mbuf.STRUCT_SIZE + Mbuf.META_SIZE);
        M.set(ValueLayout.JAVA_SHORT, m + OFF_DATA_OFF, (short) Mbuf.HEADROOM);
        M.set(ValueLayout.JAVA_SHORT, m + OFF_BUF_LEN, (short) (Mbuf.HEADROOM + dataRoom));
        M.set(ValueLayout.JAVA_SHORT, m + OFF_REFCNT, (short) 1);
        M.set(ValueLayout.JAVA_SHORT, m + OFF_NB_SEGS, (short) 1);
        M.set(ValueLayout.JAVA_SHORT, m + OFF_PORT, (short) port);
        M.set(ValueLayout.JAVA_SHORT, m + OFF_VLAN_TCI, (short) vlanTci);
        Mbuf.setOlFlags(m, olFlags);
        Mbuf.setRssHash(m, rssHash);
        Mbuf.fill(m, frame);
        Mbuf.writeMeta(m, mark, userValue, queue, timestampNs);
        return m;
    }

    /** Address of mbuf {@code slot}. */
    public long mbuf(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + slots);
        }
        return base + slotBytes * slot;
    }

    public int slots() {
        return slots;
    }

    @Override
    public void close() {
        arena.close();
    }
}
