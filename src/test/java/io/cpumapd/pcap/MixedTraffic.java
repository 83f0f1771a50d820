package io.cpumapd.pcap;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic mixed traffic: for a given seed and settings, the same frames byte for byte,
 * so a bundled capture can be regenerated and a failing test replayed.
 *
 * <p>Frame i carries sequence id {@code firstSequenceId + i} at the start of its L4 payload
 * (see {@link FrameBuilder#sequencedPayload}). Flows mix IPv4 and IPv6; TCP, UDP and ICMP echo;
 * untagged, 802.1Q and QinQ; addresses in 198.18.0.0/15 and 2001:db8::/32 only. The first
 * {@code flows} frames use each flow once, so every configured flow appears when
 * {@code count >= flows}; later frames pick flows at random. Frame sizes are uniform between
 * the flow's smallest frame (at least 60) and 1514.
 */
public final class MixedTraffic {

    public static final int MAX_FRAME = 1514;
    /** Start of the generated timestamps: 2025-01-01T00:00:00Z, fixed so files are reproducible. */
    public static final long EPOCH_NANOS = 1_735_689_600_000_000_000L;

    private final long seed;
    private int flows = 256;
    private long firstSequenceId;
    private byte[] dstMac = FrameBuilder.parseMac("02:00:00:00:00:02");
    private byte[] srcMac = FrameBuilder.parseMac("02:00:00:00:00:01");
    private byte[] dstIpv4;
    private byte[] dstIpv6;

    public MixedTraffic(long seed) {
        this.seed = seed;
    }

    /** Number of distinct flows (5-tuples), default 256. */
    public MixedTraffic flows(int flows) {
        if (flows < 1) {
            throw new IllegalArgumentException("flows must be >= 1");
        }
        this.flows = flows;
        return this;
    }

    public MixedTraffic firstSequenceId(long id) {
        firstSequenceId = id;
        return this;
    }

    public MixedTraffic dstMac(String mac) {
        dstMac = FrameBuilder.parseMac(mac);
        return this;
    }

    public MixedTraffic srcMac(String mac) {
        srcMac = FrameBuilder.parseMac(mac);
        return this;
    }

    /**
     * Sends every IPv4 flow to this address (it must lie in 198.18.0.0/15), e.g. a TAP's
     * address, so the kernel delivers the packets locally instead of dropping them.
     */
    public MixedTraffic dstIpv4(String address) {
        byte[] a = Inet4Address.ofLiteral(address).getAddress();
        if ((a[0] & 0xff) != 198 || (a[1] & 0xfe) != 18) {
            throw new IllegalArgumentException(address + " is outside 198.18.0.0/15");
        }
        dstIpv4 = a;
        return this;
    }

    /** Sends every IPv6 flow to this address (it must lie in 2001:db8::/32). */
    public MixedTraffic dstIpv6(String address) {
        byte[] a = Inet6Address.ofLiteral(address).getAddress();
        if (a[0] != 0x20 || a[1] != 0x01 || a[2] != 0x0d || (a[3] & 0xff) != 0xb8) {
            throw new IllegalArgumentException(address + " is outside 2001:db8::/32");
        }
        dstIpv6 = a;
        return this;
    }

    /** {@code count} frames, each padded to at least 60 bytes and at most 1514. */
    public List<byte[]> generate(int count) {
        Random rnd = new Random(seed);
        List<Flow> flowList = new ArrayList<>(flows);
        for (int i = 0; i < flows; i++) {
            flowList.add(randomFlow(rnd));
        }
        List<byte[]> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Flow flow = flowList.get(i < flows ? i : rnd.nextInt(flows));
            frames.add(flow.next(rnd, firstSequenceId + i));
        }
        return frames;
    }

    /** Writes {@code count} frames to a pcap file, 10 µs apart from {@link #EPOCH_NANOS}. */
    public void writePcap(Path file, int count) throws IOException {
        try (PcapWriter w = new PcapWriter(file)) {
            long ts = EPOCH_NANOS;
            for (byte[] frame : generate(count)) {
                w.write(frame, ts);
                ts += 10_000;
            }
        }
    }

    private Flow randomFlow(Random rnd) {
        boolean v6 = rnd.nextInt(3) == 0;
        byte[] src = v6 ? ipv6(rnd) : ipv4(rnd);
        byte[] dst = v6 ? (dstIpv6 != null ? dstIpv6 : ipv6(rnd)) : (dstIpv4 != null ? dstIpv4 : ipv4(rnd));
        int proto = switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3, 4 -> FrameBuilder.PROTO_UDP;
            case 5, 6, 7, 8 -> FrameBuilder.PROTO_TCP;
            default -> FrameBuilder.PROTO_ICMP;
        };
        int tagKind = rnd.nextInt(8); // 0..5 untagged, 6 802.1Q, 7 QinQ
        // Both ports stay in 49000..53999, where Wireshark 4.0 registers no dissector: a
        // well-known port would make it decode the sequenced payload as (malformed) DNS, Mobile IP...
        return new Flow(src, dst, proto, randomPort(rnd), randomPort(rnd),
                tagKind < 6 ? 0 : tagKind - 5, 1 + rnd.nextInt(4094), 1 + rnd.nextInt(4094),
                v6 && rnd.nextInt(8) == 0, rnd.nextInt() & 0xffffffffL);
    }

    private static int randomPort(Random rnd) {
        return 49_000 + rnd.nextInt(5_000);
    }

    private static byte[] ipv4(Random rnd) {
        return new byte[] {(byte) 198, (byte) (18 + rnd.nextInt(2)), (byte) rnd.nextInt(256),
                (byte) (1 + rnd.nextInt(254))};
    }

    private static byte[] ipv6(Random rnd) {
        byte[] a = new byte[16];
        rnd.nextBytes(a);
        a[0] = 0x20;
        a[1] = 0x01;
        a[2] = 0x0d;
        a[3] = (byte) 0xb8;
        return a;
    }

    /** One 5-tuple plus the per-flow state (TCP sequence, ICMP sequence) that advances per frame. */
    private final class Flow {
        private final byte[] src, dst;
        private final int proto, srcPort, dstPort, tags, outerVid, innerVid;
        private final boolean hopByHop;
        private long tcpSeq;
        private int icmpSeq;

        Flow(byte[] src, byte[] dst, int proto, int srcPort, int dstPort, int tags, int outerVid,
                int innerVid, boolean hopByHop, long tcpSeq) {
            this.src = src;
            this.dst = dst;
            this.proto = proto;
            this.srcPort = srcPort;
            this.dstPort = dstPort;
            this.tags = tags;
            this.outerVid = outerVid;
            this.innerVid = innerVid;
            this.hopByHop = hopByHop;
            this.tcpSeq = tcpSeq;
        }

        byte[] next(Random rnd, long sequenceId) {
            FrameBuilder b = FrameBuilder.ethernet().dstMac(dstMac).srcMac(srcMac).ip(src, dst);
            if (tags == 1) {
                b.vlan(outerVid);
            } else if (tags == 2) {
                b.qinq(outerVid, innerVid);
            }
            if (hopByHop) {
                b.hopByHop();
            }
            switch (proto) {
                case FrameBuilder.PROTO_TCP -> b.tcp(srcPort, dstPort)
                        .tcpFlags(FrameBuilder.PSH | FrameBuilder.ACK).tcpSeq(tcpSeq).tcpAck(1);
                case FrameBuilder.PROTO_UDP -> b.udp(srcPort, dstPort);
                default -> b.icmpEcho(srcPort, icmpSeq++);
            }
            int min = Math.max(FrameBuilder.MIN_FRAME, b.headerLength() + FrameBuilder.SEQUENCE_ID_LEN);
            int size = min + rnd.nextInt(MAX_FRAME - min + 1);
            // Payload fills the frame exactly unless the frame is so small that padding does.
            int payload = Math.max(FrameBuilder.SEQUENCE_ID_LEN, size - b.headerLength());
            tcpSeq += payload;
            return b.sequencedPayload(sequenceId, payload).build();
        }
    }

    /** {@code MixedTraffic OUT.pcap [count] [seed]}: writes a capture (defaults 1000 frames, seed 1). */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: MixedTraffic OUT.pcap [count] [seed]");
            System.exit(2);
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1L;
        new MixedTraffic(seed).writePcap(Path.of(args[0]), count);
        System.out.println("wrote " + count + " frames (seed " + seed + ") to " + args[0]);
    }
}
