package io.cpumapd.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.testkit.NetNamespace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the kernel does with a vnet header's checksum flags on a TAP <b>write</b>, proven with a UDP
 * datagram whose checksum is deliberately wrong, sent to a socket in the TAP's namespace:
 * <ul>
 *   <li>no flag: the stack verifies it and drops it ({@code Udp: InCsumErrors} + 1);</li>
 *   <li>{@code VIRTIO_NET_HDR_F_DATA_VALID}: exactly the same. tun's write path
 *       ({@code tun_get_user} → {@code virtio_net_hdr_to_skb}) reads only NEEDS_CSUM; DATA_VALID is
 *       a flag tun sets on <i>reads</i> ({@code virtio_net_hdr_from_skb(..., has_data_valid)}).
 *       So writing it buys nothing, and cpumapd does not write it;</li>
 *   <li>{@code NEEDS_CSUM}: the skb is CHECKSUM_PARTIAL, which local receive trusts: the bad datagram
 *       is delivered. That is why GRO verifies (or takes the NIC's word for) every segment's checksum
 *       before it puts it into a GSO frame, which is always NEEDS_CSUM.</li>
 * </ul>
 * If a future kernel starts to honour DATA_VALID on writes, the second case fails: then DATA_VALID
 * could spare the kernel's check of NIC-verified frames written alone.
 */
class TapDataValidTest {
    private static final byte[] HOST_IP = {(byte) 198, 19, 63, 1};
    private static final byte[] PEER_IP = {(byte) 198, 19, 63, 2};
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int SLOT = 256;

    @Test
    void dataValidOnAWriteDoesNotSpareABadChecksumFromTheKernelsCheck() throws Exception {
        try (NetNamespace ns = NetNamespace.create("n16y");
             TapDevice tap = TapDevice.create(TapOptions.builder(TapDeviceTest.randomName()).vnetHdr(true).build());
             TapInjector injector = new TapInjector(tap, 0, 4);
             Arena arena = Arena.ofConfined()) {
            ns.moveLink(tap.name());
            ns.exec("ip", "addr", "add", "198.19.63.1/24", "dev", tap.name());
            ns.exec("ip", "link", "set", "dev", tap.name(), "up");
            try (DatagramChannel socket = ns.runInside(() -> {
                DatagramChannel c = DatagramChannel.open();
                c.bind(new InetSocketAddress("198.19.63.1", 0));
                c.configureBlocking(false);
                return c;
            })) {
                int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
                MemorySegment header = arena.allocate(VnetHeader.SIZE_BYTES, 8);
                MemorySegment frame = arena.allocate(SLOT, 64);

                // A good checksum, no flag: delivered, no error (the frames themselves are right).
                assertThat(send(ns, injector, header, frame, tap, port, "good-plain", 0, false, socket))
                        .as("a good datagram, no flag").containsEntry("delivered", 1L).containsEntry("InCsumErrors", 0L);
                assertThat(send(ns, injector, header, frame, tap, port, "bad-plain", 0, true, socket))
                        .as("a bad checksum, no flag").containsEntry("delivered", 0L)
                        .containsEntry("InCsumErrors", 1L);
                assertThat(send(ns, injector, header, frame, tap, port, "bad-data-valid", VnetHeader.F_DATA_VALID,
                        true, socket))
                        .as("a bad checksum with DATA_VALID: the kernel ignores the flag on a TAP write and checks")
                        .containsEntry("delivered", 0L).containsEntry("InCsumErrors", 1L);
                assertThat(send(ns, injector, header, frame, tap, port, "bad-needs-csum", VnetHeader.F_NEEDS_CSUM,
                        true, socket))
                        .as("a bad checksum with NEEDS_CSUM: CHECKSUM_PARTIAL, trusted on local receive")
                        .containsEntry("delivered", 1L).containsEntry("InCsumErrors", 0L);
                assertThat(injector.counters().errors()).as("the TAP took every write").isZero();
            }
        }
    }

    /** Writes one datagram; returns what arrived at the socket and how the namespace's UDP counters moved. */
    private static Map<String, Long> send(NetNamespace ns, TapInjector injector, MemorySegment header,
                                          MemorySegment frame, TapDevice tap, int port, String payload, int flags,
                                          boolean badChecksum, DatagramChannel socket) throws Exception {
        int length = UdpFrames.write(frame, 0, tap.macAddress(), PEER_IP, HOST_IP, port, payload);
        int udp = UdpFrames.ETH_BYTES + UdpFrames.IPV4_BYTES;
        int udpLength = length - udp;
        long sum = sum(frame, 26, 8) + 17 + udpLength + sum(frame, udp, udpLength);
        int check = ~fold(sum) & 0xFFFF;
        check = check == 0 ? 0xFFFF : check;
        frame.set(BE16, udp + 6, (short) (badChecksum ? check ^ 0x0101 : check));
        VnetHeader.clear(header, 0);
        if ((flags & VnetHeader.F_NEEDS_CSUM) != 0) {
            VnetHeader.needsCsum(header, 0, udp, 6);
        } else {
            VnetHeader.flags(header, 0, flags);
        }
        Map<String, Long> before = udpCounters(ns);
        assertThat(injector.add(header.address(), frame.address(), length)).isTrue();
        assertThat(injector.flush()).isEqualTo(1);
        long delivered = 0;
        ByteBuffer b = ByteBuffer.allocate(512);
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            b.clear();
            if (socket.receive(b) != null) {
                b.flip();
                assertThat(StandardCharsets.UTF_8.decode(b).toString()).isEqualTo(payload);
                delivered++;
                break;
            }
            Map<String, Long> now = udpCounters(ns);
            if (now.get("InCsumErrors") > before.get("InCsumErrors")) {
                break; // dropped: no need to wait for the rest of the second
            }
            Thread.sleep(5);
        }
        Map<String, Long> after = udpCounters(ns);
        Map<String, Long> result = new HashMap<>();
        result.put("delivered", delivered);
        result.put("InCsumErrors", after.get("InCsumErrors") - before.get("InCsumErrors"));
        return result;
    }

    /** The {@code Udp:} row of the namespace's /proc/net/snmp. */
    private static Map<String, Long> udpCounters(NetNamespace ns) {
        String[] lines = ns.exec("cat", "/proc/net/snmp").split("\n");
        Map<String, Long> m = new HashMap<>();
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                String[] names = lines[i].trim().split("\\s+");
                String[] values = lines[i + 1].trim().split("\\s+");
                for (int k = 1; k < names.length; k++) {
                    m.put(names[k], Long.parseLong(values[k]));
                }
                return m;
            }
        }
        throw new AssertionError("no Udp rows in /proc/net/snmp");
    }

    private static long sum(MemorySegment s, int from, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = s.get(ValueLayout.JAVA_BYTE, from + i) & 0xFF;
            int lo = i + 1 < length ? s.get(ValueLayout.JAVA_BYTE, from + i + 1) & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        return sum;
    }

    private static int fold(long sum) {
        long s = sum;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }
}
