package io.cpumapd.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** An ethdev port: setup, start / stop, bursts, statistics, MAC and link. */
public final class Port {
    /** RTE_MAX_ETHPORTS in Debian's build: what rte_eth_find_next returns past the last port. */
    private static final int MAX_PORTS = 32;
    private static final int NAME_MAX = 64;
    private static final String PCAP_DRIVER = "net_pcap";
    /** u64 words of struct rte_eth_stats: 8 totals and 5 per-queue arrays of 16. */
    private static final int STATS_WORDS = 8 + 5 * PortStats.QUEUE_STAT_COUNTERS;

    private static final MethodHandle BY_NAME = Native.downcall("rte_eth_dev_get_port_by_name",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle NAME_OF = Native.downcall("rte_eth_dev_get_name_by_port",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final MethodHandle FIND_NEXT = Native.downcall("rte_eth_find_next",
            FunctionDescriptor.of(ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT));
    private static final FunctionDescriptor PORT_OP = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT);
    private static final MethodHandle START = Native.downcall("rte_eth_dev_start", PORT_OP);
    private static final MethodHandle STOP = Native.downcall("rte_eth_dev_stop", PORT_OP);
    private static final MethodHandle CLOSE = Native.downcall("rte_eth_dev_close", PORT_OP);
    private static final MethodHandle PROMISC_ON = Native.downcall("rte_eth_promiscuous_enable", PORT_OP);
    private static final MethodHandle PROMISC_OFF = Native.downcall("rte_eth_promiscuous_disable", PORT_OP);
    private static final MethodHandle STATS_RESET = Native.downcall("rte_eth_stats_reset", PORT_OP);
    private static final MethodHandle MAC = Native.downcall("rte_eth_macaddr_get",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final MethodHandle SETUP_MTU = Native.downcall("cpm_port_setup_mtu",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT,
                    ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, Native.POINTER,
                    ValueLayout.JAVA_SHORT));
    private static final MethodHandle CAPS = Native.downcall("cpm_port_caps",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final MethodHandle INFO = Native.downcall("cpm_port_info",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle STATS = Native.downcall("cpm_port_stats",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LINK = Native.downcall("cpm_port_link",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    private static final FunctionDescriptor BURST = FunctionDescriptor.of(ValueLayout.JAVA_SHORT,
            ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, Native.POINTER, ValueLayout.JAVA_SHORT);
    private static final MethodHandle RX_BURST = Native.criticalDowncall("cpm_rx_burst", BURST);
    private static final MethodHandle TX_BURST = Native.criticalDowncall("cpm_tx_burst", BURST);

    private final short id;
    private final String name;

    private Port(int id, String name) {
        this.id = (short) id;
        this.name = name;
    }

    /** The port of a device name as DPDK knows it ({@code net_pcap0}, {@code 0000:01:00.0}). */
    public static Port byName(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
            int ret = (int) BY_NAME.invokeExact(arena.allocateFrom(name), id);
            if (ret < 0) {
                throw new DpdkException("port " + name, -ret, Errno.strerror(-ret)
                        + ": no such DPDK port (is the device given to the EAL and its driver loaded?)");
            }
            return new Port(Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)), name);
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Every port the EAL probed, in id order. */
    public static List<Port> all() {
        List<Port> ports = new ArrayList<>();
        try {
            for (int id = Short.toUnsignedInt((short) FIND_NEXT.invokeExact((short) 0)); id < MAX_PORTS;
                    id = Short.toUnsignedInt((short) FIND_NEXT.invokeExact((short) (id + 1)))) {
                ports.add(new Port(id, nameOf(id)));
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return ports;
    }

    private static String nameOf(int id) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(NAME_MAX);
            Errno.check((int) NAME_OF.invokeExact((short) id, buf), "rte_eth_dev_get_name_by_port(" + id + ")");
            return buf.getString(0);
        }
    }

    public int id() {
        return Short.toUnsignedInt(id);
    }

    public String name() {
        return name;
    }

    /** Configures queues (RSS when the driver has it and rxQueues > 1) and sets every queue up; the driver's MTU. */
    public void configure(int rxQueues, int txQueues, int rxDescriptors, int txDescriptors, Mempool pool) {
        configure(rxQueues, txQueues, rxDescriptors, txDescriptors, pool, 0);
    }

    /**
     * {@link #configure(int, int, int, int, Mempool)} with an MTU applied to the port (0 keeps the
     * driver's), scattered RX when a frame of that MTU does not fit one mbuf, multi-segment TX when
     * the driver has it.
     */
    public void configure(int rxQueues, int txQueues, int rxDescriptors, int txDescriptors, Mempool pool, int mtu) {
        try {
            int ret = (int) SETUP_MTU.invokeExact(id, (short) rxQueues, (short) txQueues, (short) rxDescriptors,
                    (short) txDescriptors, pool.address(), (short) mtu);
            if (ret == -Errno.EINVAL) {
                PortInfo info = info();
                if (rxQueues > info.maxRxQueues() || txQueues > info.maxTxQueues()) {
                    throw new DpdkException(op("configure"), Errno.EINVAL, "asked " + rxQueues + " rx / " + txQueues
                            + " tx queues, driver " + info.driver() + " has at most " + info.maxRxQueues() + " / "
                            + info.maxTxQueues());
                }
            }
            Errno.check(ret, op("configure rxq=" + rxQueues + " txq=" + txQueues + " mtu=" + mtu));
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Offloads and frame limits of the driver, and the port's MTU now. */
    public Caps caps() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, 7);
            Errno.check((int) CAPS.invokeExact(id, out), op("caps"));
            long[] v = out.toArray(ValueLayout.JAVA_LONG);
            return new Caps(v[0], v[1], (int) v[2], (int) v[3], (int) v[4], (int) v[5], (int) v[6]);
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Whether a chained mbuf given to {@link #txBurst} leaves whole: the driver states
     * RTE_ETH_TX_OFFLOAD_MULTI_SEGS, or it is net_pcap, which states no offload at all but copies a
     * chain out with rte_pktmbuf_read before pcap_sendpacket (up to 16128 bytes,
     * RTE_ETHER_MAX_JUMBO_FRAME_LEN; a longer chain it drops and counts in oerrors).
     */
    public boolean sendsChains() {
        return caps().multiSegmentTx() || PCAP_DRIVER.equals(info().driver());
    }

    public void start() {
        portOp(START, "start");
    }

    public void stop() {
        portOp(STOP, "stop");
    }

    /** Releases the port; a closed port is gone from {@link #all()}. */
    public void close() {
        portOp(CLOSE, "close");
    }

    /** Returns false when the driver cannot do it (ENOTSUP), which is not an error here. */
    public boolean promiscuous(boolean on) {
        try {
            int ret = on ? (int) PROMISC_ON.invokeExact(id) : (int) PROMISC_OFF.invokeExact(id);
            if (ret == -Errno.ENOTSUP) {
                return false;
            }
            Errno.check(ret, op("promiscuous " + on));
            return true;
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public void resetStats() {
        portOp(STATS_RESET, "stats reset");
    }

    private void portOp(MethodHandle h, String what) {
        try {
            Errno.check((int) h.invokeExact(id), op(what));
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Receives up to {@code n} mbufs into {@code handles[0..)}; returns how many. */
    public int rxBurst(int queue, HandleArray handles, int n) {
        try {
            return Short.toUnsignedInt((short) RX_BURST.invokeExact(id, (short) queue, handles.address(0), (short) n));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Sends {@code handles[from..from+n)}; returns how many the driver took (and will free).
     * The rest are still the caller's.
     */
    public int txBurst(int queue, HandleArray handles, int from, int n) {
        try {
            return Short.toUnsignedInt((short) TX_BURST.invokeExact(id, (short) queue, handles.address(from),
                    (short) n));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public PortStats stats() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, STATS_WORDS);
            Errno.check((int) STATS.invokeExact(id, out, STATS_WORDS), op("stats"));
            return PortStats.of(out.toArray(ValueLayout.JAVA_LONG));
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The MAC address as {@code aa:bb:cc:dd:ee:ff}. */
    public String mac() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(6);
            Errno.check((int) MAC.invokeExact(id, out), op("macaddr"));
            return HexFormat.ofDelimiter(":").formatHex(out.toArray(ValueLayout.JAVA_BYTE));
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public Link link() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, 4);
            Errno.check((int) LINK.invokeExact(id, out), op("link"));
            int[] v = out.toArray(ValueLayout.JAVA_INT);
            return new Link(Integer.toUnsignedLong(v[0]), v[1] != 0, v[2] != 0, v[3] != 0);
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public PortInfo info() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, 5);
            MemorySegment drv = arena.allocate(NAME_MAX);
            Errno.check((int) INFO.invokeExact(id, out, drv, NAME_MAX), op("info"));
            long[] v = out.toArray(ValueLayout.JAVA_LONG);
            return new PortInfo(drv.getString(0), (int) v[0], (int) v[1], (int) v[2], v[3] != 0, (int) v[4]);
        } catch (DpdkException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private String op(String what) {
        return "port " + name + " (" + id() + ") " + what;
    }

    @Override
    public String toString() {
        return "port " + id() + " " + name;
    }

    /** Link state; speed in Mbps (0 when unknown, as for virtual devices). */
    public record Link(long speedMbps, boolean up, boolean fullDuplex, boolean autoneg) {
    }

    /** @param txSegmentsMax 0 when the driver states no limit */
    public record Caps(long txOffloads, long rxOffloads, int maxRxPacketBytes, int maxMtu, int minMtu,
            int txSegmentsMax, int mtu) {
        /** RTE_ETH_TX_OFFLOAD_MULTI_SEGS. */
        public static final long TX_MULTI_SEGS = 1L << 15;
        /** RTE_ETH_RX_OFFLOAD_SCATTER. */
        public static final long RX_SCATTER = 1L << 13;

        public boolean multiSegmentTx() {
            return (txOffloads & TX_MULTI_SEGS) != 0;
        }

        public boolean scatteredRx() {
            return (rxOffloads & RX_SCATTER) != 0;
        }
    }

    public record PortInfo(String driver, int maxRxQueues, int maxTxQueues, int socket, boolean rss, int mtu) {
    }
}
