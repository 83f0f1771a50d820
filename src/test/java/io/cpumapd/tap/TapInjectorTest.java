package io.cpumapd.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.testkit.NetNamespace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Frames injected through a TAP must reach a UDP socket in the namespace the TAP lives in. */
class TapInjectorTest {
    private static final byte[] HOST_IP = {(byte) 198, 18, 0, 1};
    private static final byte[] PEER_IP = {(byte) 198, 18, 0, 2};
    private static final int FRAME_SLOT_BYTES = 128;
    private static final long RECEIVE_TIMEOUT_MS = 5_000;
    private static final long DUPLICATE_WAIT_MS = 100;

    @Test
    void deliversEveryFrameOnceWithAndWithoutDataValid() throws Exception {
        int frameCount = 50;
        try (NetNamespace ns = NetNamespace.create("cpmtap");
             TapDevice tap = TapDevice.create(TapOptions.builder(TapDeviceTest.randomName()).vnetHdr(true).build());
             TapInjector injector = new TapInjector(tap, 0, 16);
             Arena arena = Arena.ofConfined();
             DatagramChannel socket = hostInNamespace(ns, tap)) {
            MemorySegment headers = arena.allocate(2L * VnetHeader.SIZE_BYTES, 8);
            VnetHeader.clear(headers, 0);
            VnetHeader.clear(headers, VnetHeader.SIZE_BYTES);
            VnetHeader.flags(headers, VnetHeader.SIZE_BYTES, VnetHeader.F_DATA_VALID);
            MemorySegment frames = arena.allocate((long) frameCount * FRAME_SLOT_BYTES, 64);
            int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
            List<String> sent = new ArrayList<>();
            long frameBytes = 0;
            int accepted = 0;
            for (int i = 0; i < frameCount; i++) {
                String payload = "frame-" + i;
                long offset = (long) i * FRAME_SLOT_BYTES;
                int length = UdpFrames.write(frames, offset, tap.macAddress(), PEER_IP, HOST_IP, port, payload);
                // Alternate plain frames and frames the NIC "already verified".
                long header = headers.address() + (i % 2) * VnetHeader.SIZE_BYTES;
                if (!injector.add(header, frames.address() + offset, length)) {
                    assertThat(injector.pending()).isEqualTo(16);
                    accepted += injector.flush();
                    assertThat(injector.add(header, frames.address() + offset, length)).isTrue();
                }
                sent.add(payload);
                frameBytes += length;
            }
            accepted += injector.flush();

            assertThat(accepted).isEqualTo(frameCount);
            assertThat(receive(socket, frameCount)).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(injector.counters().packets()).isEqualTo(frameCount);
            assertThat(injector.counters().bytes()).isEqualTo(frameBytes);
            assertThat(injector.counters().errors()).isZero();
        }
    }

    @Test
    void deliversFramesWithoutVnetHeader() throws Exception {
        try (NetNamespace ns = NetNamespace.create("cpmtap");
             TapDevice tap = TapDevice.create(TapOptions.builder(TapDeviceTest.randomName()).build());
             TapInjector injector = new TapInjector(tap, 0, 8);
             Arena arena = Arena.ofConfined();
             DatagramChannel socket = hostInNamespace(ns, tap)) {
            int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
            MemorySegment frames = arena.allocate(3L * FRAME_SLOT_BYTES, 64);
            long frameBytes = 0;
            for (int i = 0; i < 3; i++) {
                long offset = (long) i * FRAME_SLOT_BYTES;
                int length = UdpFrames.write(frames, offset, tap.macAddress(), PEER_IP, HOST_IP, port, "plain-" + i);
                assertThat(injector.add(frames.address() + offset, length)).isTrue();
                frameBytes += length;
            }
            assertThat(injector.flush()).isEqualTo(3);
            assertThat(receive(socket, 3)).containsExactlyInAnyOrder("plain-0", "plain-1", "plain-2");
            assertThat(injector.counters().bytes()).isEqualTo(frameBytes);
        }
    }

    @Test
    void countsFramesRefusedByALinkThatIsDown() {
        try (NetNamespace ns = NetNamespace.create("cpmtap");
             TapDevice tap = TapDevice.create(TapOptions.builder(TapDeviceTest.randomName()).vnetHdr(true).build());
             TapInjector injector = new TapInjector(tap, 0, 8);
             Arena arena = Arena.ofConfined()) {
            ns.moveLink(tap.name()); // and leave it down: the kernel downs a link it moves
            MemorySegment frames = arena.allocate(5L * FRAME_SLOT_BYTES, 64);
            for (int i = 0; i < 5; i++) {
                long offset = (long) i * FRAME_SLOT_BYTES;
                int length = UdpFrames.write(frames, offset, tap.macAddress(), PEER_IP, HOST_IP, 9, "down-" + i);
                injector.add(frames.address() + offset, length);
            }

            assertThat(injector.flush()).isZero();
            assertThat(injector.pending()).isZero();
            assertThat(injector.counters().packets()).isZero();
            assertThat(injector.counters().bytes()).isZero();
            assertThat(injector.counters().errors()).isEqualTo(5);
            assertThat(injector.counters().errors(InjectError.EIO)).isEqualTo(5);
            assertThat(injector.counters().errors(InjectError.EAGAIN)).isZero();
        }
    }

    @Test
    void countsMalformedFramesAsEinval() {
        try (TapDevice tap = TapDevice.create(TapOptions.builder(TapDeviceTest.randomName()).vnetHdr(true).build());
             TapInjector injector = new TapInjector(tap, 0, 4);
             Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(VnetHeader.SIZE_BYTES, 8);
            // A checksum to complete beyond the end of the frame: the kernel refuses the frame.
            VnetHeader.needsCsum(header, 0, 34, 6);
            VnetHeader.hdrLenBytes(header, 0, 4000);
            MemorySegment frame = arena.allocate(64);
            injector.add(header.address(), frame.address(), 64);

            assertThat(injector.flush()).isZero();
            assertThat(injector.counters().errors()).isEqualTo(1);
            assertThat(injector.counters().errors(InjectError.EINVAL)).isEqualTo(1);
        }
    }

    /** Moves the TAP into {@code ns} as 198.18.0.1/24, and returns a UDP socket bound there. */
    private static DatagramChannel hostInNamespace(NetNamespace ns, TapDevice tap) throws Exception {
        ns.moveLink(tap.name());
        ns.exec("ip", "addr", "add", "198.18.0.1/24", "dev", tap.name());
        ns.exec("ip", "link", "set", "dev", tap.name(), "up");
        assertThat(macShownBy(ns.exec("ip", "link", "show", "dev", tap.name())))
                .isEqualTo(HexFormat.ofDelimiter(":").formatHex(tap.macAddress()));
        return ns.runInside(() -> {
            DatagramChannel channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress("198.18.0.1", 0));
            channel.configureBlocking(false);
            return channel;
        });
    }

    private static String macShownBy(String ipLinkShow) {
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(ipLinkShow);
        assertThat(m.find()).as("MAC in %s", ipLinkShow).isTrue();
        return m.group(1);
    }

    /** Everything that arrives until {@code expected} payloads came, then a short wait for duplicates. */
    private static List<String> receive(DatagramChannel socket, int expected) throws Exception {
        List<String> received = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        long deadlineNs = System.nanoTime() + RECEIVE_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadlineNs) {
            buffer.clear();
            if (socket.receive(buffer) == null) {
                Thread.sleep(1);
                continue;
            }
            buffer.flip();
            received.add(StandardCharsets.UTF_8.decode(buffer).toString());
            if (received.size() == expected) {
                deadlineNs = Math.min(deadlineNs, System.nanoTime() + DUPLICATE_WAIT_MS * 1_000_000);
            }
        }
        return received;
    }
}
