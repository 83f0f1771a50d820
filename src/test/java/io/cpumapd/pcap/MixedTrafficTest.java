package io.cpumapd.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MixedTrafficTest {

    @TempDir
    Path dir;

    /** Offset of the EtherType after any VLAN tags. */
    private static int typeOffset(byte[] f) {
        int at = 12;
        while ((f[at] & 0xff) == 0x81 && f[at + 1] == 0 || (f[at] & 0xff) == 0x88 && (f[at + 1] & 0xff) == 0xa8) {
            at += 4;
        }
        return at;
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() {
        List<byte[]> a = new MixedTraffic(42).generate(500);
        List<byte[]> b = new MixedTraffic(42).generate(500);
        List<byte[]> c = new MixedTraffic(43).generate(500);
        assertThat(a).hasSize(500);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).isEqualTo(b.get(i));
        }
        assertThat(a.stream().filter(f -> c.stream().anyMatch(g -> Arrays.equals(f, g))).count()).isZero();
    }

    @Test
    void framesAreWithinSizeAndAddressRangesAndCarryUniqueSequenceIds() {
        List<byte[]> frames = new MixedTraffic(7).flows(100).firstSequenceId(1_000_000).generate(5000);
        Set<Long> ids = new HashSet<>();
        int v4 = 0, v6 = 0, tagged = 0, qinq = 0, small = 0, large = 0;
        Set<Integer> protocols = new HashSet<>();
        for (byte[] f : frames) {
            assertThat(f.length).isBetween(60, 1514);
            small += f.length < 200 ? 1 : 0;
            large += f.length > 1400 ? 1 : 0;
            assertThat(Arrays.copyOf(f, 6)).isEqualTo(FrameBuilder.parseMac("02:00:00:00:00:02"));
            int t = typeOffset(f);
            tagged += t > 12 ? 1 : 0;
            qinq += t > 16 ? 1 : 0;
            int ip = t + 2;
            int type = (f[t] & 0xff) << 8 | f[t + 1] & 0xff;
            if (type == 0x0800) {
                v4++;
                for (int a : new int[] {ip + 12, ip + 16}) {
                    assertThat(f[a] & 0xff).isEqualTo(198);
                    assertThat(f[a + 1] & 0xfe).as("inside 198.18.0.0/15").isEqualTo(18);
                }
                protocols.add(f[ip + 9] & 0xff);
            } else {
                assertThat(type).isEqualTo(0x86dd);
                v6++;
                for (int a : new int[] {ip + 8, ip + 24}) {
                    assertThat(Arrays.copyOfRange(f, a, a + 4)).containsExactly(0x20, 0x01, 0x0d, 0xb8);
                }
            }
            FrameBuilderTest.verifyChecksums(f);
            assertThat(ids.add(FrameBuilder.sequenceIdOf(f).orElseThrow())).isTrue();
        }
        assertThat(ids).hasSize(5000).contains(1_000_000L, 1_004_999L);
        assertThat(v4).isGreaterThan(2500);
        assertThat(v6).isGreaterThan(1000);
        assertThat(tagged).isBetween(500, 2500);
        assertThat(qinq).isPositive();
        assertThat(protocols).containsExactlyInAnyOrder(1, 6, 17);
        assertThat(small).isPositive();
        assertThat(large).isPositive();
    }

    @Test
    void everyConfiguredFlowAppears() {
        List<byte[]> frames = new MixedTraffic(3).flows(300).generate(300);
        Set<String> flows = new HashSet<>();
        for (byte[] f : frames) {
            int ip = typeOffset(f) + 2;
            boolean v4 = f[ip - 2] == 0x08;
            int addrEnd = v4 ? ip + 20 : ip + 40;
            int l4 = !v4 && f[ip + 6] == 0 ? addrEnd + 8 : addrEnd; // skip a hop-by-hop header
            // Addresses, ports (or ICMP type/code/checksum) and the ICMP id.
            flows.add(Arrays.toString(Arrays.copyOfRange(f, v4 ? ip + 12 : ip + 8, addrEnd))
                    + Arrays.toString(Arrays.copyOfRange(f, l4, l4 + 6)));
        }
        assertThat(flows.size()).isGreaterThan(295); // random tuples: a collision is unlikely, not impossible
    }

    @Test
    void destinationOverridesForTapTests() {
        List<byte[]> frames = new MixedTraffic(5).dstMac("0a:0b:0c:0d:0e:0f").dstIpv4("198.18.0.1")
                .dstIpv6("2001:db8::1").generate(200);
        byte[] v6dst = Inet6Address.ofLiteral("2001:db8::1").getAddress();
        for (byte[] f : frames) {
            assertThat(Arrays.copyOf(f, 6)).isEqualTo(FrameBuilder.parseMac("0a:0b:0c:0d:0e:0f"));
            int ip = typeOffset(f) + 2;
            if (f[ip - 2] == 0x08) {
                assertThat(Arrays.copyOfRange(f, ip + 16, ip + 20)).containsExactly(198, 18, 0, 1);
            } else {
                assertThat(Arrays.copyOfRange(f, ip + 24, ip + 40)).isEqualTo(v6dst);
            }
            FrameBuilderTest.verifyChecksums(f);
        }
        assertThatThrownBy(() -> new MixedTraffic(1).dstIpv4("10.0.0.1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MixedTraffic(1).dstIpv6("2001:db9::1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mainWritesAReproduciblePcap() throws Exception {
        Path a = dir.resolve("a.pcap");
        Path b = dir.resolve("b.pcap");
        MixedTraffic.main(new String[] {a.toString(), "300", "11"});
        new MixedTraffic(11).writePcap(b, 300);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        List<PcapRecord> records = PcapReader.readAll(a);
        assertThat(records).hasSize(300);
        List<byte[]> expected = new MixedTraffic(11).generate(300);
        for (int i = 0; i < 300; i++) {
            assertThat(records.get(i).data()).isEqualTo(expected.get(i));
            assertThat(records.get(i).timestampNanos()).isEqualTo(MixedTraffic.EPOCH_NANOS + i * 10_000L);
        }
    }
}
