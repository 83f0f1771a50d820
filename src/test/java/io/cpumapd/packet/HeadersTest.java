package io.cpumapd.packet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

public class HeadersTest {
    static final long DST_MAC = 0x02_00_00_00_00_01L;
    static final long SRC_MAC = 0x02_00_00_00_00_02L;
    static final byte[] IPV4_SRC = {(byte) 198, 18, 0, 1};
    static final byte[] IPV4_DST = {(byte) 198, 18, 0, 2};
    static final byte[] IPV6_SRC = ipv6Address(1);
    static final byte[] IPV6_DST = ipv6Address(2);
    static final int IPV4_MF = 0x2000;
    static final int SYN = 0x02;
    static final int ACK = 0x10;

    private final Arena arena = Arena.ofConfined();
    private final Headers headers = new Headers();

    @AfterEach
    void close() {
        arena.close();
    }

    /** Frame bytes written by hand, field by field, so the parser is checked against an independent oracle. */
    public static final class Frame {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public static Frame eth(long dstMac, long srcMac, int typeOrLength) {
            Frame frame = new Frame();
            frame.mac(dstMac).mac(srcMac).u16(typeOrLength);
            return frame;
        }

        public static Frame eth(int typeOrLength) {
            return eth(DST_MAC, SRC_MAC, typeOrLength);
        }

        public Frame mac(long mac48) {
            for (int shift = 40; shift >= 0; shift -= 8) {
                out.write((int) (mac48 >>> shift));
            }
            return this;
        }

        public Frame u8(int... values) {
            for (int value : values) {
                out.write(value);
            }
            return this;
        }

        public Frame u16(int... values) {
            for (int value : values) {
                out.write(value >>> 8);
                out.write(value);
            }
            return this;
        }

        public Frame bytes(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        public Frame zeros(int count) {
            return bytes(new byte[count]);
        }

        /** A VLAN tag's TCI and the type after it (the TPID is the type written before). */
        public Frame vlan(int tci, int nextType) {
            return u16(tci, nextType);
        }

        /** IPv4 from 198.18.0.1 to 198.18.0.2 with {@code optionBytes} of NOP options (a multiple of 4). */
        public Frame ipv4(int optionBytes, int flagsAndFragmentOffset, int protocol, int payloadBytes) {
            int headerBytes = 20 + optionBytes;
            u8(0x40 | headerBytes / 4, 0).u16(headerBytes + payloadBytes, 0x1234, flagsAndFragmentOffset);
            u8(64, protocol).u16(0).bytes(IPV4_SRC).bytes(IPV4_DST);
            byte[] nops = new byte[optionBytes];
            Arrays.fill(nops, (byte) 1);
            return bytes(nops);
        }

        public Frame ipv6(int nextHeader, int payloadBytes) {
            return u16(0x6000, 0, payloadBytes).u8(nextHeader, 64).bytes(IPV6_SRC).bytes(IPV6_DST);
        }

        /** Hop-by-hop, routing or destination options header of {@code 8 * (lengthUnits + 1)} bytes. */
        public Frame ipv6Extension(int nextHeader, int lengthUnits) {
            return u8(nextHeader, lengthUnits).zeros(6 + 8 * lengthUnits);
        }

        public Frame ipv6Fragment(int nextHeader, int offsetUnits, boolean more) {
            return u8(nextHeader, 0).u16(offsetUnits << 3 | (more ? 1 : 0)).u16(0xABCD, 0x0001);
        }

        public Frame tcp(int srcPort, int dstPort, int flags) {
            return u16(srcPort, dstPort).u16(0, 1, 0, 0).u8(5 << 4, flags).u16(0xFFFF, 0, 0);
        }

        public Frame udp(int srcPort, int dstPort, int payloadBytes) {
            return u16(srcPort, dstPort, 8 + payloadBytes, 0);
        }

        public int length() {
            return out.size();
        }

        public byte[] toBytes() {
            return out.toByteArray();
        }

        public MemorySegment in(Arena arena) {
            return HeadersTest.in(arena, toBytes());
        }
    }

    public static MemorySegment in(Arena arena, byte[] bytes) {
        MemorySegment segment = arena.allocate(Math.max(bytes.length, 1));
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment;
    }

    private static byte[] ipv6Address(int last) {
        byte[] address = new byte[16];
        address[0] = 0x20;
        address[1] = 0x01;
        address[2] = 0x0d;
        address[3] = (byte) 0xb8;
        address[15] = (byte) last;
        return address;
    }

    /** What a parse must report; -1 / false where absent. */
    record Expected(int l2Length, int vlanCount, int outerVlanTci, int etherType, int ipVersion,
                    int l3HeaderLength, int l4Protocol, int l4Offset, boolean fragment, boolean firstFragment,
                    int srcPort, int dstPort, int tcpFlags, int icmpType, boolean l3Valid, boolean l4Valid) {
    }

    static Stream<Arguments> frames() {
        return Stream.of(
                // l2, vlans, tci, type, ipv, l3len, proto, l4off, frag, first, sport, dport, tcpFl, icmp, l3, l4
                Arguments.of("IPv4 TCP", Frame.eth(0x0800).ipv4(0, 0, 6, 20).tcp(1234, 80, SYN),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 6, 34, false, false, 1234, 80, SYN, -1, true, true)),
                Arguments.of("IPv4 options UDP", Frame.eth(0x0800).ipv4(8, 0, 17, 12).udp(5353, 53, 4).zeros(4),
                        new Expected(14, 0, -1, 0x0800, 4, 28, 17, 42, false, false, 5353, 53, -1, -1, true, true)),
                Arguments.of("IPv4 ICMP echo", Frame.eth(0x0800).ipv4(0, 0, 1, 8).u8(8, 0).zeros(6),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 1, 34, false, false, -1, -1, -1, 8, true, true)),
                Arguments.of("IPv4 SCTP", Frame.eth(0x0800).ipv4(0, 0, 132, 12).u16(2905, 2906).zeros(8),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 132, 34, false, false, 2905, 2906, -1, -1, true, true)),
                Arguments.of("IPv4 GRE", Frame.eth(0x0800).ipv4(0, 0, 47, 4).zeros(4),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 47, 34, false, false, -1, -1, -1, -1, true, false)),
                Arguments.of("IPv4 first fragment", Frame.eth(0x0800).ipv4(0, IPV4_MF, 17, 16).udp(1000, 2000, 8),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 17, 34, true, true, 1000, 2000, -1, -1, true, true)),
                Arguments.of("IPv4 later fragment", Frame.eth(0x0800).ipv4(0, 185, 17, 16).udp(1000, 2000, 8),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 17, 34, true, false, -1, -1, -1, -1, true, false)),
                Arguments.of("IPv4 padded, TCP outside total length",
                        Frame.eth(0x0800).ipv4(0, 0, 6, 0).tcp(1, 2, SYN),
                        new Expected(14, 0, -1, 0x0800, 4, 20, 6, 34, false, false, -1, -1, -1, -1, true, false)),
                Arguments.of("IPv4 IHL 4 (malformed)", Frame.eth(0x0800).u8(0x44, 0).u16(40, 0, 0).u8(64, 6).u16(0).bytes(IPV4_SRC).bytes(IPV4_DST)
                                .zeros(20),
                        new Expected(14, 0, -1, 0x0800, 4, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("IPv6 version in IPv4 EtherType", Frame.eth(0x0800).ipv6(6, 0).zeros(8),
                        new Expected(14, 0, -1, 0x0800, 0, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("IPv6 TCP", Frame.eth(0x86DD).ipv6(6, 20).tcp(40000, 443, SYN | ACK),
                        new Expected(14, 0, -1, 0x86DD, 6, 40, 6, 54, false, false, 40000, 443, SYN | ACK, -1, true, true)),
                Arguments.of("IPv6 hop-by-hop + first fragment UDP",
                        Frame.eth(0x86DD).ipv6(0, 32).ipv6Extension(44, 0).ipv6Fragment(17, 0, true).udp(7, 9, 8),
                        new Expected(14, 0, -1, 0x86DD, 6, 56, 17, 70, true, true, 7, 9, -1, -1, true, true)),
                Arguments.of("IPv6 hop-by-hop + later fragment",
                        Frame.eth(0x86DD).ipv6(0, 32).ipv6Extension(44, 0).ipv6Fragment(17, 3, false).udp(7, 9, 8),
                        new Expected(14, 0, -1, 0x86DD, 6, 56, 17, 70, true, false, -1, -1, -1, -1, true, false)),
                Arguments.of("IPv6 later fragment whose payload looks like a header",
                        Frame.eth(0x86DD).ipv6(44, 16).ipv6Fragment(0, 3, true).ipv6Extension(6, 0),
                        new Expected(14, 0, -1, 0x86DD, 6, 48, 0, 62, true, false, -1, -1, -1, -1, true, false)),
                Arguments.of("IPv6 atomic fragment is whole",
                        Frame.eth(0x86DD).ipv6(44, 16).ipv6Fragment(17, 0, false).udp(7, 9, 0),
                        new Expected(14, 0, -1, 0x86DD, 6, 48, 17, 62, false, false, 7, 9, -1, -1, true, true)),
                Arguments.of("IPv6 dest-opts + routing + ICMPv6 echo",
                        Frame.eth(0x86DD).ipv6(60, 32).ipv6Extension(43, 1).ipv6Extension(58, 0).u8(128, 0).zeros(6),
                        new Expected(14, 0, -1, 0x86DD, 6, 64, 58, 78, false, false, -1, -1, -1, 128, true, true)),
                Arguments.of("IPv6 extension chain too long", tooManyExtensions(),
                        new Expected(14, 0, -1, 0x86DD, 6, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("IPv6 extension past payload length",
                        Frame.eth(0x86DD).ipv6(0, 8).ipv6Extension(6, 1).tcp(1, 2, 0),
                        new Expected(14, 0, -1, 0x86DD, 6, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("802.1Q IPv4 UDP",
                        Frame.eth(0x8100).vlan(0x2064, 0x0800).ipv4(0, 0, 17, 8).udp(68, 67, 0),
                        new Expected(18, 1, 0x2064, 0x0800, 4, 20, 17, 38, false, false, 68, 67, -1, -1, true, true)),
                Arguments.of("802.1ad + 802.1Q IPv6 TCP",
                        Frame.eth(0x88A8).vlan(0x0123, 0x8100).vlan(0x0456, 0x86DD).ipv6(6, 20).tcp(22, 5000, ACK),
                        new Expected(22, 2, 0x0123, 0x86DD, 6, 40, 6, 62, false, false, 22, 5000, ACK, -1, true, true)),
                Arguments.of("three tags: third left as EtherType",
                        Frame.eth(0x8100).vlan(1, 0x8100).vlan(2, 0x8100).vlan(3, 0x0800).ipv4(0, 0, 6, 20).tcp(1, 2, 0),
                        new Expected(22, 2, 1, 0x8100, 0, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("ARP", Frame.eth(0x0806).u16(1, 0x0800).u8(6, 4).u16(1).zeros(20),
                        new Expected(14, 0, -1, 0x0806, 0, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)),
                Arguments.of("802.3 length frame", Frame.eth(46).u8(0x42, 0x42, 0x03).zeros(43),
                        new Expected(14, 0, -1, -1, 0, -1, -1, -1, false, false, -1, -1, -1, -1, false, false)));
    }

    private static Frame tooManyExtensions() {
        Frame frame = Frame.eth(0x86DD).ipv6(60, 8 * (Headers.MAX_IPV6_EXTENSION_HEADERS + 1) + 8);
        for (int i = 0; i < Headers.MAX_IPV6_EXTENSION_HEADERS + 1; i++) {
            frame.ipv6Extension(i == Headers.MAX_IPV6_EXTENSION_HEADERS ? 17 : 60, 0);
        }
        return frame.udp(1, 2, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void parsesHandCraftedFrames(String name, Frame frame, Expected expected) {
        MemorySegment segment = frame.in(arena);

        assertThat(headers.parse(segment.address(), frame.length())).isTrue();

        assertThat(actual()).isEqualTo(expected);
        assertConsistent(frame.length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void addressOffsetsPointAtTheAddresses(String name, Frame frame, Expected expected) {
        byte[] bytes = frame.toBytes();
        headers.parse(frame.in(arena).address(), bytes.length);

        if (expected.ipVersion() == 0) {
            assertThat(headers.addressLength()).isZero();
            assertThat(headers.srcAddressOffset()).isEqualTo(-1);
            assertThat(headers.dstAddressOffset()).isEqualTo(-1);
            return;
        }
        int length = headers.addressLength();
        assertThat(length).isEqualTo(expected.ipVersion() == 4 ? 4 : 16);
        byte[] src = Arrays.copyOfRange(bytes, headers.srcAddressOffset(), headers.srcAddressOffset() + length);
        byte[] dst = Arrays.copyOfRange(bytes, headers.dstAddressOffset(), headers.dstAddressOffset() + length);
        assertThat(src).isEqualTo(expected.ipVersion() == 4 ? IPV4_SRC : IPV6_SRC);
        assertThat(dst).isEqualTo(expected.ipVersion() == 4 ? IPV4_DST : IPV6_DST);
    }

    static Stream<Arguments> truncatedFrames() {
        return Stream.of(
                // frame, end of L2, end of fixed IP header, end of L3 chain, end of L4 header
                Arguments.of("802.1Q IPv4 options TCP",
                        Frame.eth(0x8100).vlan(7, 0x0800).ipv4(4, 0, 6, 20 + 6).tcp(1, 2, SYN).zeros(6),
                        18, 38, 42, 62),
                Arguments.of("QinQ IPv6 HBH fragment TCP",
                        Frame.eth(0x88A8).vlan(9, 0x8100).vlan(10, 0x86DD).ipv6(0, 16 + 8 + 20)
                                .ipv6Extension(44, 1).ipv6Fragment(6, 0, true).tcp(3, 4, ACK),
                        22, 62, 86, 106),
                Arguments.of("IPv6 TCP", Frame.eth(0x86DD).ipv6(6, 20).tcp(5, 6, SYN), 14, 54, 54, 74));
    }

    /** Each cut must flip each flag exactly at the byte where its header becomes complete. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("truncatedFrames")
    void truncatedAtEveryOffset(String name, Frame frame, int l2End, int fixedIpEnd, int l3End, int l4End) {
        MemorySegment segment = frame.in(arena);
        headers.parse(segment.address(), frame.length());
        Expected full = actual();
        assertThat(full.l4Valid()).as("the whole frame parses").isTrue();

        for (int cut = 0; cut <= frame.length(); cut++) {
            // A copy of exactly `cut` bytes, so an over-read sees other memory, not the rest of the frame.
            MemorySegment truncated = in(arena, Arrays.copyOf(frame.toBytes(), cut));
            int length = cut;
            boolean l2 = headers.parse(truncated.address(), length);
            String at = "cut at " + cut;
            assertAll(at,
                    () -> assertEquals(length >= l2End, l2, "l2Valid"),
                    () -> assertEquals(length >= fixedIpEnd, headers.addressLength() > 0, "addresses"),
                    () -> assertEquals(length >= l3End, headers.l3Valid(), "l3Valid"),
                    () -> assertEquals(length >= l4End, headers.l4Valid(), "l4Valid"));
            assertConsistent(cut);
            if (headers.l3Valid()) {
                assertThat(headers.l4Offset()).as(at).isEqualTo(full.l4Offset());
                assertThat(headers.l4Protocol()).as(at).isEqualTo(full.l4Protocol());
            }
            if (headers.l4Valid()) {
                assertThat(actual()).as(at).isEqualTo(full);
            }
        }
    }

    @Test
    void shortOrEmptyInputNeverReads() {
        assertThat(headers.parse(0, 0)).isFalse();
        assertThat(headers.parse(0, -5)).isFalse();
        assertThat(headers.length()).isZero();
        assertConsistent(0);
    }

    @Test
    void reuseClearsThePreviousResult() {
        Frame tcp = Frame.eth(0x8100).vlan(5, 0x0800).ipv4(0, 0, 6, 20).tcp(1, 2, SYN);
        Frame arp = Frame.eth(0x0806).zeros(28);
        headers.parse(tcp.in(arena).address(), tcp.length());

        headers.parse(arp.in(arena).address(), arp.length());

        assertThat(actual()).isEqualTo(
                new Expected(14, 0, -1, 0x0806, 0, -1, -1, -1, false, false, -1, -1, -1, -1, false, false));
    }

    private Expected actual() {
        return new Expected(headers.l2Length(), headers.vlanCount(), headers.outerVlanTci(), headers.etherType(),
                headers.ipVersion(), headers.l3HeaderLength(), headers.l4Protocol(), headers.l4Offset(),
                headers.isFragment(), headers.isFirstFragment(), headers.srcPort(), headers.dstPort(),
                headers.tcpFlags(), headers.icmpType(), headers.l3Valid(), headers.l4Valid());
    }

    /** The nesting promised in the class comment, and nothing pointing past the frame. */
    private void assertConsistent(int length) {
        if (headers.l4Valid()) {
            assertThat(headers.l3Valid()).isTrue();
            assertThat(headers.isLaterFragment()).isFalse();
        }
        if (headers.l3Valid()) {
            assertThat(headers.addressLength()).isPositive();
            assertThat(headers.l4Protocol()).isBetween(0, 255);
            assertThat(headers.l3Offset() + headers.l3HeaderLength()).isEqualTo(headers.l4Offset())
                    .isLessThanOrEqualTo(length);
        } else {
            assertThat(headers.l4Offset()).isEqualTo(-1);
            assertThat(headers.l4Protocol()).isEqualTo(-1);
            assertThat(headers.l3HeaderLength()).isEqualTo(-1);
        }
        if (headers.addressLength() > 0) {
            assertThat(headers.l2Valid()).isTrue();
            assertThat(headers.dstAddressOffset() + headers.addressLength()).isLessThanOrEqualTo(length);
            assertThat(headers.srcAddressOffset() + headers.addressLength()).isLessThanOrEqualTo(length);
        } else {
            assertThat(headers.ipVersion()).isZero();
            assertThat(headers.srcAddressOffset()).isEqualTo(-1);
        }
        if (!headers.l4Valid()) {
            assertThat(headers.srcPort()).isEqualTo(-1);
            assertThat(headers.dstPort()).isEqualTo(-1);
            assertThat(headers.tcpFlags()).isEqualTo(-1);
            assertThat(headers.icmpType()).isEqualTo(-1);
        }
        if (!headers.l2Valid()) {
            assertThat(headers.l3Offset()).isEqualTo(-1);
            assertThat(headers.l2Length()).isEqualTo(-1);
        } else {
            assertThat(headers.l2Length()).isEqualTo(Headers.ETHER_HEADER_BYTES + 4 * headers.vlanCount())
                    .isLessThanOrEqualTo(length);
        }
    }
}
