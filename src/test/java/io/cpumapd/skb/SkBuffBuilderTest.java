package io.cpumapd.skb;

import static io.cpumapd.packet.HeadersTest.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.packet.HeadersTest.Frame;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SkBuffBuilderTest {
    private static final long DEVICE_MAC = 0x02_00_00_00_00_01L;
    private static final long OTHER_MAC = 0x02_00_00_00_00_99L;
    private static final long MBUF = 0x7f00_1234_5680L;

    private final Arena arena = Arena.ofConfined();
    private final SkBuffPool pool = new SkBuffPool(4, arena);
    private final SkBuff skb = pool.get(1);
    private final SkBuffBuilder builder = new SkBuffBuilder().deviceMac(DEVICE_MAC);

    @AfterEach
    void close() {
        arena.close();
    }

    private boolean build(Frame frame, long olFlags) {
        return build(frame.toBytes(), olFlags, 0);
    }

    private boolean build(byte[] bytes, long olFlags, int vlanTciOffload) {
        MemorySegment data = in(arena, bytes);
        return builder.build(skb, MBUF, data.address(), bytes.length, 2, 5, 0xCAFE_F00D, olFlags, vlanTciOffload,
                77, -3, 123_456_789_000L);
    }

    private static Frame tcp4(long dstMac) {
        return Frame.eth(dstMac, OTHER_MAC, 0x0800).ipv4(0, 0, 6, 20).tcp(1234, 80, 0x02);
    }

    @Test
    void copiesTheRxMetadata() {
        Frame frame = tcp4(DEVICE_MAC);
        MemorySegment data = frame.in(arena);

        assertThat(builder.build(skb, MBUF, data.address(), frame.length(), 2, 5, 0xCAFE_F00D,
                OlFlags.RX_RSS_HASH, 0, 77, -3, 123_456_789_000L)).isTrue();

        assertThat(skb.mbuf()).isEqualTo(MBUF);
        assertThat(skb.dataAddress()).isEqualTo(data.address());
        assertThat(skb.length()).isEqualTo(54);
        assertThat(skb.ingressPort()).isEqualTo(2);
        assertThat(skb.ingressQueue()).isEqualTo(5);
        assertThat(skb.mark()).isEqualTo(77);
        assertThat(skb.userValue()).isEqualTo(-3);
        assertThat(skb.timestampNs()).isEqualTo(123_456_789_000L);
        assertThat(skb.protocol()).isEqualTo(0x0800);
        assertThat(skb.macHeaderOffset()).isZero();
        assertThat(skb.networkHeaderOffset()).isEqualTo(14);
        assertThat(skb.transportHeaderOffset()).isEqualTo(34);
        assertThat(skb.pktType()).isEqualTo(SkBuff.PACKET_HOST);
        assertThat(skb.rxHash()).isEqualTo(0xCAFE_F00D);
        assertThat(skb.rxHashL4()).isTrue();
        assertThat(skb.vlanPresent()).isFalse();
        assertThat(builder.built()).isEqualTo(1);
        assertThat(builder.headers().dstPort()).isEqualTo(80);
        assertThat(skb.toString()).contains("index=1", "len=54", "protocol=0x800", "pkt_type=HOST", "transport=34");
    }

    static Stream<Arguments> destinations() {
        return Stream.of(
                Arguments.of(0xFFFF_FFFF_FFFFL, DEVICE_MAC, SkBuff.PACKET_BROADCAST),
                Arguments.of(0x01_00_5E_00_00_01L, DEVICE_MAC, SkBuff.PACKET_MULTICAST),
                Arguments.of(0x33_33_00_00_00_01L, DEVICE_MAC, SkBuff.PACKET_MULTICAST),
                Arguments.of(DEVICE_MAC, DEVICE_MAC, SkBuff.PACKET_HOST),
                Arguments.of(OTHER_MAC, DEVICE_MAC, SkBuff.PACKET_OTHERHOST),
                // Differs from the device MAC in the first octet only: the compare covers all 48 bits.
                Arguments.of(0x06_00_00_00_00_01L, DEVICE_MAC, SkBuff.PACKET_OTHERHOST),
                Arguments.of(OTHER_MAC, SkBuffBuilder.NO_DEVICE_MAC, SkBuff.PACKET_HOST));
    }

    @ParameterizedTest(name = "dst {0} device {1} -> {2}")
    @MethodSource("destinations")
    void pktTypeFromTheDestinationMac(long dstMac, long deviceMac, int expectedPktType) {
        builder.deviceMac(deviceMac);

        build(tcp4(dstMac), 0);

        assertThat(skb.pktType()).isEqualTo(expectedPktType);
    }

    static Stream<Arguments> protocols() {
        return Stream.of(
                // frame, protocol (eth_type_trans), l3 protocol, network, transport
                Arguments.of("IPv4", tcp4(DEVICE_MAC), 0x0800, 0x0800, 14, 34),
                Arguments.of("ARP", Frame.eth(0x0806).zeros(28), 0x0806, 0x0806, 14, -1),
                Arguments.of("802.1Q IPv6", Frame.eth(0x8100).vlan(0x3005, 0x86DD).ipv6(17, 8).udp(1, 2, 0),
                        0x8100, 0x86DD, 18, 58),
                Arguments.of("LLC", Frame.eth(46).u8(0x42, 0x42, 0x03).zeros(43), SkBuff.ETH_P_802_2, -1, 14, -1),
                Arguments.of("raw 802.3", Frame.eth(46).u16(0xFFFF).zeros(44), SkBuff.ETH_P_802_3, -1, 14, -1),
                Arguments.of("length frame, header only", Frame.eth(0), SkBuff.ETH_P_802_2, -1, 14, -1),
                Arguments.of("length frame, one payload byte 0xFF", Frame.eth(1).u8(0xFF), SkBuff.ETH_P_802_2, -1, 14, -1),
                Arguments.of("EtherType 0x0600 is not a length", Frame.eth(0x0600).zeros(4), 0x0600, 0x0600, 14, -1),
                Arguments.of("truncated IPv4", Frame.eth(0x0800).u8(0x45, 0), 0x0800, 0x0800, 14, -1),
                Arguments.of("truncated VLAN tag", Frame.eth(0x8100).u8(0x00), 0x8100, 0, 14, -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protocols")
    void protocolAndHeaderOffsets(String name, Frame frame, int protocol, int l3Protocol, int network, int transport) {
        assertThat(build(frame, 0)).isTrue();

        assertThat(skb.protocol()).as("protocol").isEqualTo(protocol);
        assertThat(skb.l3Protocol()).as("l3 protocol").isEqualTo(l3Protocol);
        assertThat(skb.networkHeaderOffset()).as("network").isEqualTo(network);
        assertThat(skb.transportHeaderOffset()).as("transport").isEqualTo(transport);
    }

    static Stream<Arguments> checksums() {
        return Stream.of(
                Arguments.of(0L, SkBuff.CHECKSUM_NONE),
                Arguments.of(OlFlags.RX_L4_CKSUM_GOOD, SkBuff.CHECKSUM_UNNECESSARY),
                Arguments.of(OlFlags.RX_L4_CKSUM_GOOD | OlFlags.RX_IP_CKSUM_GOOD | OlFlags.RX_RSS_HASH,
                        SkBuff.CHECKSUM_UNNECESSARY),
                Arguments.of(OlFlags.RX_L4_CKSUM_BAD, SkBuff.CHECKSUM_NONE),
                Arguments.of(OlFlags.RX_L4_CKSUM_GOOD | OlFlags.RX_L4_CKSUM_BAD, SkBuff.CHECKSUM_NONE),
                Arguments.of(OlFlags.RX_IP_CKSUM_GOOD, SkBuff.CHECKSUM_NONE));
    }

    @ParameterizedTest(name = "ol_flags {0} -> {1}")
    @MethodSource("checksums")
    void checksumStateAndVnetHeaderFromOlFlags(long olFlags, int expectedState) {
        // Stale bytes from an earlier use must not survive.
        vnetHeader().fill((byte) 0xAA);

        build(tcp4(DEVICE_MAC), olFlags);

        assertThat(skb.checksumState()).isEqualTo(expectedState);
        // All zero, CHECKSUM_UNNECESSARY too: a TAP write ignores DATA_VALID (TapDataValidTest).
        byte[] expected = new byte[SkBuff.VNET_HEADER_BYTES];
        assertThat(vnetHeader().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
    }

    @Test
    void vnetHeaderIsRewrittenOnReuseAndStaysInItsSlot() {
        SkBuff neighbour = pool.get(2);
        MemorySegment neighbourHeader = MemorySegment.ofAddress(neighbour.vnetHeaderAddress()).reinterpret(16);
        neighbourHeader.fill((byte) 0x55);

        build(tcp4(DEVICE_MAC), OlFlags.RX_L4_CKSUM_GOOD);
        assertThat(vnetHeader().toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        vnetHeader().fill((byte) 0x33); // what an earlier use (or anyone) left there

        build(tcp4(DEVICE_MAC), 0);

        assertThat(vnetHeader().toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        assertThat(neighbourHeader.toArray(ValueLayout.JAVA_BYTE)).as("no write past 12 bytes").containsOnly(0x55);
    }

    @Test
    void vlanFromTheFrame() {
        build(Frame.eth(0x8100).vlan(0xA00B, 0x0800).ipv4(0, 0, 17, 8).udp(1, 2, 0), 0);

        assertThat(skb.vlanPresent()).isTrue();
        assertThat(skb.vlanTci()).isEqualTo(0xA00B);
        assertThat(skb.vlanStripped()).isFalse();
    }

    @Test
    void vlanFromTheOffloadWinsAndMayBeStripped() {
        build(tcp4(DEVICE_MAC).toBytes(), OlFlags.RX_VLAN | OlFlags.RX_VLAN_STRIPPED, 0x1_0123);

        assertThat(skb.vlanPresent()).isTrue();
        assertThat(skb.vlanTci()).as("16 bits only").isEqualTo(0x0123);
        assertThat(skb.vlanStripped()).isTrue();
        assertThat(skb.protocol()).isEqualTo(0x0800);

        build(Frame.eth(0x8100).vlan(0x0777, 0x0806).zeros(28).toBytes(), OlFlags.RX_VLAN, 0x0999);
        assertThat(skb.vlanTci()).isEqualTo(0x0999);
        assertThat(skb.vlanStripped()).isFalse();
    }

    @Test
    void rxHashOnlyWhenTheNicGaveOneAndL4OnlyWithPorts() {
        build(tcp4(DEVICE_MAC), 0);
        assertThat(skb.rxHash()).isZero();
        assertThat(skb.rxHashL4()).isFalse();

        build(Frame.eth(0x0800).ipv4(0, 0x2000, 17, 16).udp(1, 2, 8), OlFlags.RX_RSS_HASH);
        assertThat(skb.rxHash()).isEqualTo(0xCAFE_F00D);
        assertThat(skb.rxHashL4()).as("a fragment is hashed on addresses").isFalse();

        build(Frame.eth(0x0800).ipv4(0, 0, 1, 8).u8(8, 0).zeros(6), OlFlags.RX_RSS_HASH);
        assertThat(skb.rxHashL4()).as("ICMP has no ports").isFalse();
    }

    @Test
    void reuseLeavesNothingStale() {
        build(Frame.eth(0x8100).vlan(5, 0x0800).ipv4(0, 0, 6, 20).tcp(1, 2, 0).toBytes(),
                OlFlags.RX_RSS_HASH | OlFlags.RX_L4_CKSUM_GOOD, 0);

        build(Frame.eth(0x0806).zeros(28), 0);

        assertThat(skb.vlanPresent()).isFalse();
        assertThat(skb.vlanTci()).isZero();
        assertThat(skb.transportHeaderOffset()).isEqualTo(-1);
        assertThat(skb.networkHeaderOffset()).isEqualTo(14);
        assertThat(skb.rxHash()).isZero();
        assertThat(skb.rxHashL4()).isFalse();
        assertThat(skb.checksumState()).isEqualTo(SkBuff.CHECKSUM_NONE);
    }

    @Test
    void framesShorterThanAnEthernetHeaderAreRejectedAndCounted() {
        build(tcp4(DEVICE_MAC), 0);
        byte[] full = tcp4(DEVICE_MAC).toBytes();

        for (int length = 0; length < 14; length++) {
            assertThat(build(Arrays.copyOf(full, length), 0, 0)).as("length %d", length).isFalse();
        }

        assertThat(builder.tooShort()).isEqualTo(14);
        assertThat(builder.built()).isEqualTo(1);
        assertThat(skb.length()).as("a rejected frame leaves the skb alone").isEqualTo(54);
        assertThat(build(Arrays.copyOf(full, 14), 0, 0)).isTrue();
        assertThat(builder.built()).isEqualTo(2);
    }

    @Test
    void deviceMacMustBe48Bits() {
        assertThatThrownBy(() -> builder.deviceMac(1L << 48)).isInstanceOf(IllegalArgumentException.class);
        assertThat(builder.deviceMac(0xFFFF_FFFF_FFFFL).deviceMac()).isEqualTo(0xFFFF_FFFF_FFFFL);
    }

    @Test
    void vnetAreaMustBeNativeAndLargeEnough() {
        assertThatThrownBy(() -> new SkBuff(0, arena.allocate(11))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SkBuff(0, MemorySegment.ofArray(new byte[12])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private MemorySegment vnetHeader() {
        return MemorySegment.ofAddress(skb.vnetHeaderAddress()).reinterpret(SkBuff.VNET_HEADER_BYTES);
    }
}
