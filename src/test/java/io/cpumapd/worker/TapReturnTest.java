package io.cpumapd.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.TapReturnCounter;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.MbufChain;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.Frames;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.RingPort;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The return path against the real kernel: a TAP with offloads in a namespace of the test's, the
 * kernel's own traffic on it (a UDP GSO send, a partially checksummed datagram, a ping bigger than
 * the port's MTU), read by a {@link TapReturn} and sent out a net_ring port whose RX gives the
 * wire frames back to the test.
 */
class TapReturnTest {
    static RingPort ring;
    static Mempool pool;
    static Port port;

    @BeforeAll
    static void start() {
        ring = RingPort.start("tapret_test");
        pool = ring.pool();
        port = ring.port();
    }

    @AfterAll
    static void stop() {
        assertThat(pool.inUse()).as("mbufs leaked").isZero();
        ring.close();
    }

    private static final String SEND = String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.setsockopt(17, 103, 1400)  # UDP_SEGMENT: one 14000-byte send, ten datagrams",
            "s.sendto(bytes(i % 251 for i in range(14000)), ('198.18.0.2', 9999))",
            "t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "t.sendto(b'x' * 100, ('198.18.0.2', 9998))");

    @Test
    void whatTheKernelSendsLeavesThroughThePortSegmentedAndSummed() throws Exception {
        String name = "cpmret" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000));
        try (NetNamespace ns = NetNamespace.create("cpumapd-ret");
                Arena arena = Arena.ofShared()) {
            TapOptions options = TapOptions.builder(name).offloads(true).mtuBytes(4000)
                    .ipv4((Inet4Address) InetAddress.getByName("198.18.0.1"), 24).build();
            try (TapDevice tap = ns.runInside(() -> TapDevice.create(options));
                    TapReturn ret = new TapReturn(tap, 0, pool, port, 0, 1500, true, arena)) {
                assertThat(tap.offloads() & TapDevice.TUN_F_TSO4).isNotZero();
                ns.exec("ip", "neigh", "add", "198.18.0.2", "lladdr", "02:00:00:00:00:09", "dev", name,
                        "nud", "permanent");
                ns.exec("/usr/bin/python3", "-c", SEND);
                // 3028 bytes of IP on a TAP of MTU 4000: one frame, no GSO, too big for the port's 1500.
                Cmd.run("ip", "netns", "exec", ns.name(), "ping", "-c", "1", "-W", "0.2", "-s", "3000",
                        "198.18.0.2");
                List<byte[]> wire = new ArrayList<>();
                pollUntil(ret, wire, () -> ret.counter(TapReturnCounter.TOO_BIG) >= 1
                        && wire.stream().filter(f -> udpPort(f) == 9999).count() == 10
                        && wire.stream().anyMatch(f -> udpPort(f) == 9998));

                ByteArrayOutputStream joined = new ByteArrayOutputStream();
                for (byte[] f : wire) {
                    assertThat(f.length).as("no wire frame above the port's MTU").isLessThanOrEqualTo(1514);
                    if (udpPort(f) == 9999 || udpPort(f) == 9998) {
                        assertThat(Frames.checksumsValid(f)).as("checksums of a %d-byte datagram", f.length).isTrue();
                    }
                    if (udpPort(f) == 9999) {
                        joined.write(f, 42, f.length - 42);
                    }
                }
                byte[] expected = new byte[14000];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) (i % 251);
                }
                assertThat(joined.toByteArray()).isEqualTo(expected);
                // Linux 6.2 and later take USO (this machine's kernel does): the send arrives as one GSO frame.
                assertThat(tap.offloads() & TapDevice.TUN_F_USO4).isNotZero();
                assertThat(ret.counter(TapReturnCounter.SEGMENTED)).as("the kernel handed over a UDP GSO frame")
                        .isGreaterThanOrEqualTo(1);
                long read = ret.counter(TapReturnCounter.READ);
                long frameDrops = ret.counter(TapReturnCounter.TOO_BIG) + ret.counter(TapReturnCounter.MALFORMED)
                        + ret.counter(TapReturnCounter.SEGMENTATION_FAILED);
                long wireFrames = read - ret.counter(TapReturnCounter.SEGMENTED) - frameDrops
                        + ret.counter(TapReturnCounter.SEGMENTS);
                assertThat(wireFrames).as("every frame read is accounted for").isEqualTo(
                        ret.counter(TapReturnCounter.SENT) + ret.counter(TapReturnCounter.TX_FULL)
                                + ret.counter(TapReturnCounter.NO_TX_QUEUE));
                assertThat(ret.counter(TapReturnCounter.SENT)).isEqualTo(wire.size());
                assertThat(ret.counter(TapReturnCounter.READ_BYTES)).isPositive();
            }
        }
    }

    private static int udpPort(byte[] f) {
        return f.length >= 42 && Frames.u16(f, 12) == 0x0800 && f[23] == 17 ? Frames.u16(f, 36) : -1;
    }

    private void pollUntil(TapReturn ret, List<byte[]> wire, BooleanSupplier done) throws InterruptedException {
        HandleArray h = new HandleArray(Arena.ofAuto(), 32);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            if (ret.poll() == 0) {
                Thread.sleep(1);
            }
            int n;
            while ((n = port.rxBurst(0, h, 32)) > 0) {
                for (int i = 0; i < n; i++) {
                    wire.add(MbufChain.toArray(h.get(i)));
                }
                Mbuf.freeBulk(h, n);
            }
        }
        assertThat(done.getAsBoolean()).as("expected frames within 5 s; wire: %d frames, too big %d, read %d",
                wire.size(), ret.counter(TapReturnCounter.TOO_BIG), ret.counter(TapReturnCounter.READ)).isTrue();
    }
}
