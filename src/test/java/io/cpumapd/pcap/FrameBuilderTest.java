package io.cpumapd.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameBuilderTest {

    private static final HexFormat HEX = HexFormat.of();

    /** One's complement sum written independently of FrameBuilder: a valid checksummed region sums to 0xffff. */
    static int onesComplementSum(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length + 1).sum());
        for (byte[] p : parts) {
            all.put(p);
            if (p.length % 2 == 1) {
                all.put((byte) 0); // each part is padded on its own, as the RFCs pad the segment
            }
        }
        all.flip();
        long sum = 0;
        while (all.remaining() >= 2) {
            sum += all.getShort() & 0xffff;
        }
        while (sum > 0xffff) {
            sum = (sum >> 16) + (sum & 0xffff);
        }
        return (int) sum;
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return Arrays.copyOfRange(b, from, to);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    /** Checks the IPv4 header and the L4 checksum of an untruncated frame; returns the L4 offset. */
    static int verifyChecksums(byte[] f) {
        int at = 12;
        while (u16(f, at) == 0x8100 || u16(f, at) == 0x88a8) {
            at += 4;
        }
        int type = u16(f, at);
        int ip = at + 2;
        byte[] pseudo;
        int l4;
        int proto;
        int l4len;
        if (type == 0x0800) {
            int ihl = (f[ip] & 0xf) * 4;
            assertThat(onesComplementSum(slice(f, ip, ip + ihl))).as("IPv4 header sum").isEqualTo(0xffff);
            proto = f[ip + 9] & 0xff;
            l4 = ip + ihl;
            l4len = u16(f, ip + 2) - ihl;
            pseudo = ByteBuffer.allocate(12).put(slice(f, ip + 12, ip + 20)).put((byte) 0).put((byte) proto)
                    .putShort((short) l4len).array();
        } else {
            assertThat(type).isEqualTo(0x86dd);
            proto = f[ip + 6] & 0xff;
            l4 = ip + 40;
            while (proto == 0 || proto == 44) {
                int next = f[l4] & 0xff;
                l4 += proto == 0 ? 8 + 8 * (f[l4 + 1] & 0xff) : 8;
                proto = next;
            }
            l4len = ip + 40 + u16(f, ip + 4) - l4;
            pseudo = ByteBuffer.allocate(40).put(slice(f, ip + 8, ip + 40)).putInt(l4len).putInt(proto).array();
        }
        byte[] segment = slice(f, l4, l4 + l4len);
        if (proto == 1) {
            assertThat(onesComplementSum(segment)).as("ICMP sum").isEqualTo(0xffff);
        } else {
            assertThat(onesComplementSum(pseudo, segment)).as("L4 sum, protocol " + proto).isEqualTo(0xffff);
        }
        return l4;
    }

    @Test
    void ipv4HeaderMatchesAPublishedExample() {
        // The classic worked example of the IPv4 header checksum: 45 00 00 73 ... checksum b861.
        byte[] f = FrameBuilder.ethernet().ipv4("192.168.0.1", "192.168.0.199").dontFragment()
                .udp(1, 2).payload(new byte[115 - 28]).build();
        assertThat(HEX.formatHex(slice(f, 14, 34))).isEqualTo("4500007300004000" + "4011b861c0a80001c0a800c7");
        verifyChecksums(f);
    }

    @Test
    void checksumsHoldForEveryCombination() {
        int n = 0;
        for (boolean v4 : new boolean[] {true, false}) {
            for (int l4 = 0; l4 < 3; l4++) {
                for (int tags = 0; tags < 3; tags++) {
                    for (int len : new int[] {0, 1, 8, 33, 1000, 1459}) {
                        FrameBuilder b = FrameBuilder.ethernet();
                        if (tags > 0) {
                            b.vlan(100 + tags);
                        }
                        if (tags > 1) {
                            b.vlan(4094);
                        }
                        if (v4) {
                            b.ipv4("198.18.1.2", "198.19.255.254").ipId(len);
                        } else {
                            b.ipv6("2001:db8::1", "2001:db8:ffff::abcd");
                        }
                        switch (l4) {
                            case 0 -> b.tcp(12345, 80).tcpFlags(FrameBuilder.SYN).tcpSeq(0xfedcba98L);
                            case 1 -> b.udp(5353, 53);
                            default -> b.icmpEcho(0xbeef, len);
                        }
                        byte[] payload = new byte[len];
                        new Random(len).nextBytes(payload);
                        byte[] f = b.payload(payload).build();
                        int at = verifyChecksums(f);
                        int hdr = l4 == 0 ? 20 : 8;
                        assertThat(slice(f, at + hdr, at + hdr + len)).isEqualTo(payload);
                        assertThat(f.length).isEqualTo(Math.max(60, b.headerLength() + len));
                        n++;
                    }
                }
            }
        }
        assertThat(n).isEqualTo(108);
    }

    @Test
    void tcpSynLayout() {
        byte[] f = FrameBuilder.ethernet().dstMac("aa:bb:cc:dd:ee:ff").srcMac("02-00-00-00-00-09")
                .ipv4("198.18.0.1", "198.18.0.2").tcp(40000, 443).tcpFlags(FrameBuilder.SYN)
                .tcpSeq(1000).tcpWindow(29200).build();
        assertThat(HEX.formatHex(slice(f, 0, 14))).isEqualTo("aabbccddeeff0200000000090800");
        assertThat(f[14 + 9]).isEqualTo((byte) 6);
        int tcp = 34;
        assertThat(u16(f, tcp)).isEqualTo(40000);
        assertThat(u16(f, tcp + 2)).isEqualTo(443);
        assertThat(ByteBuffer.wrap(f).getInt(tcp + 4)).isEqualTo(1000);
        assertThat(f[tcp + 12]).isEqualTo((byte) 0x50); // 20-byte header
        assertThat(f[tcp + 13]).isEqualTo((byte) 0x02); // SYN only
        assertThat(u16(f, tcp + 14)).isEqualTo(29200);
        assertThat(f).hasSize(60); // 54 bytes of headers, padded
        verifyChecksums(f);
    }

    @Test
    void computedUdpChecksumOfZeroIsSentAsFfff() {
        // Search the two payload bytes that make the checksum compute to 0.
        for (int x = 0; x < 0x10000; x++) {
            byte[] f = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(1000, 2000)
                    .payload(new byte[] {(byte) (x >> 8), (byte) x}).build();
            if (u16(f, 40) == 0xffff) {
                verifyChecksums(f);
                return;
            }
            assertThat(u16(f, 40)).isNotZero();
        }
        throw new AssertionError("no payload gave a zero checksum");
    }

    @Test
    void shortFramesArePaddedWithZerosAndLengthsExcludePadding() {
        byte[] f = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).payload(new byte[] {7}).build();
        assertThat(f).hasSize(FrameBuilder.MIN_FRAME);
        assertThat(u16(f, 16)).isEqualTo(29); // IP total length
        assertThat(u16(f, 38)).isEqualTo(9); // UDP length
        assertThat(slice(f, 43, 60)).containsOnly(0);
        verifyChecksums(f);
    }

    @Test
    void vlanAndQinqTags() {
        byte[] one = FrameBuilder.ethernet().vlan(0x8100, 5, 42).ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).build();
        assertThat(HEX.formatHex(slice(one, 12, 18))).isEqualTo("8100a02a0800");
        byte[] two = FrameBuilder.ethernet().qinq(100, 200).ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).build();
        assertThat(HEX.formatHex(slice(two, 12, 22))).isEqualTo("88a80064" + "810000c8" + "86dd");
        verifyChecksums(two);
        assertThatThrownBy(() -> FrameBuilder.ethernet().vlan(4096)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ipv4OptionsArePaddedAndCovered() {
        byte[] f = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2")
                .ipOptions(new byte[] {(byte) 0x94, 4, 0}) // router alert with its last byte left to padding
                .udp(1, 2).payload(new byte[20]).build();
        assertThat(f[14]).isEqualTo((byte) 0x46);
        assertThat(slice(f, 34, 38)).containsExactly(0x94, 4, 0, 0);
        assertThat(verifyChecksums(f)).isEqualTo(38);
        assertThatThrownBy(() -> FrameBuilder.ethernet().ipOptions(new byte[41])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ipv4Fragments() {
        byte[] first = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").ipId(77).fragment(0, true)
                .udp(1, 2).sequencedPayload(5, 64).build();
        assertThat(u16(first, 20)).isEqualTo(0x2000); // MF, offset 0
        assertThat(u16(first, 18)).isEqualTo(77);
        assertThat(FrameBuilder.sequenceIdOf(first)).hasValue(5);
        byte[] later = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").ipId(77).fragment(72, false)
                .udp(1, 2).payload(new byte[] {1, 2, 3, 4}).build();
        assertThat(u16(later, 20)).isEqualTo(9); // offset 72 bytes = 9 units, MF clear
        assertThat(later[23]).isEqualTo((byte) 17);
        assertThat(u16(later, 16)).isEqualTo(24); // no UDP header in a non-first fragment
        assertThat(slice(later, 34, 38)).containsExactly(1, 2, 3, 4);
        assertThat(onesComplementSum(slice(later, 14, 34))).isEqualTo(0xffff);
        assertThat(FrameBuilder.sequenceIdOf(later)).isEmpty();
        assertThatThrownBy(() -> FrameBuilder.ethernet().fragment(12, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ipv6ExtensionHeaders() {
        byte[] f = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").hopByHop()
                .tcp(1, 2).sequencedPayload(9, 30).build();
        assertThat(f[20]).isEqualTo((byte) 0); // next header: hop-by-hop
        assertThat(u16(f, 18)).isEqualTo(8 + 20 + 30);
        assertThat(HEX.formatHex(slice(f, 54, 62))).isEqualTo("0600010400000000");
        assertThat(verifyChecksums(f)).isEqualTo(62);
        assertThat(FrameBuilder.sequenceIdOf(f)).hasValue(9);

        byte[] frag = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").hopByHop().ipId(0x01020304)
                .fragment(1448, true).icmpEcho(1, 1).build();
        assertThat(frag[20]).isEqualTo((byte) 0);
        assertThat(frag[54]).isEqualTo((byte) 44);
        assertThat(HEX.formatHex(slice(frag, 62, 70))).isEqualTo("3a0005a901020304");
        assertThat(u16(frag, 18)).isEqualTo(16); // extension headers only: a non-first fragment
    }

    @Test
    void icmpEchoTypesPerFamily() {
        byte[] v4 = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").icmpEcho(7, 8).payload(new byte[3]).build();
        assertThat(v4[23]).isEqualTo((byte) 1);
        assertThat(HEX.formatHex(slice(v4, 34, 36))).isEqualTo("0800");
        assertThat(HEX.formatHex(slice(v4, 38, 42))).isEqualTo("00070008");
        verifyChecksums(v4);
        byte[] v6 = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").icmpEcho(7, 8).build();
        assertThat(v6[20]).isEqualTo((byte) 58);
        assertThat(v6[54]).isEqualTo((byte) 128);
        verifyChecksums(v6);
    }

    @Test
    void rawProtocolAndRawEtherType() {
        byte[] gre = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").rawProtocol(47)
                .payload(new byte[] {0, 0, 8, 0}).build();
        assertThat(gre[23]).isEqualTo((byte) 47);
        assertThat(u16(gre, 16)).isEqualTo(24);
        assertThat(slice(gre, 34, 38)).containsExactly(0, 0, 8, 0);
        assertThat(onesComplementSum(slice(gre, 14, 34))).isEqualTo(0xffff);
        byte[] arpish = FrameBuilder.ethernet().etherType(0x0806).payload(new byte[28]).build();
        assertThat(u16(arpish, 12)).isEqualTo(0x0806);
        assertThat(arpish).hasSize(60);
    }

    @Test
    void ieee8023LengthFrame() {
        byte[] llc = {0x42, 0x42, 0x03, 0, 0, 0, 0};
        byte[] f = FrameBuilder.ethernet().dstMac("01:80:c2:00:00:00").ieee8023().payload(llc).build();
        assertThat(u16(f, 12)).isEqualTo(7).isLessThan(1536);
        assertThat(slice(f, 14, 21)).isEqualTo(llc);
        assertThat(f).hasSize(60);
        assertThatThrownBy(() -> FrameBuilder.ethernet().ieee8023().payload(new byte[1536]).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sequencedPayloadAndItsParser() {
        byte[] f = FrameBuilder.ethernet().qinq(1, 2).ipv4("198.18.0.1", "198.18.0.2").tcp(1, 2)
                .sequencedPayload(0x0102030405060708L, 100).build();
        int p = 14 + 8 + 20 + 20;
        assertThat(HEX.formatHex(slice(f, p, p + 8))).isEqualTo("0102030405060708");
        for (int i = 8; i < 100; i++) {
            assertThat(f[p + i]).isEqualTo((byte) i);
        }
        assertThat(FrameBuilder.sequenceIdOf(f)).hasValue(0x0102030405060708L);
        byte[] udp6 = FrameBuilder.ethernet().ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).sequencedPayload(-1, 8).build();
        assertThat(FrameBuilder.sequenceIdOf(udp6)).hasValue(-1);
        // The id must come from the packet, not from Ethernet padding after a too-short payload.
        byte[] tiny = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).payload(new byte[4]).build();
        assertThat(FrameBuilder.sequenceIdOf(tiny)).isEmpty();
        assertThat(FrameBuilder.sequenceIdOf(FrameBuilder.truncate(f, 60))).isEmpty();
        assertThat(FrameBuilder.sequenceIdOf(new byte[5])).isEqualTo(OptionalLong.empty());
        assertThatThrownBy(() -> FrameBuilder.ethernet().sequencedPayload(1, 7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncatedFramesArePrefixesOfTheUnpaddedFrame() {
        FrameBuilder b = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").udp(1, 2).payload(new byte[] {1});
        byte[] full = b.build();
        for (int cut = 0; cut <= 43; cut++) {
            assertThat(b.buildTruncated(cut)).isEqualTo(Arrays.copyOf(full, cut));
        }
        assertThatThrownBy(() -> b.buildTruncated(44)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.buildTruncated(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inconsistentSettingsAreRejected() {
        assertThatThrownBy(() -> FrameBuilder.ethernet().udp(1, 2).build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> FrameBuilder.ethernet().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.2").hopByHop().build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> FrameBuilder.ethernet().ipv4("198.18.0.1", "2001:db8::1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameBuilder.ethernet().ipv4("example.com", "198.18.0.1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameBuilder.parseMac("02:00:00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FrameBuilder.ethernet().udp(70000, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
