package io.cpumapd.twoway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.PcapWriter;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.TwoWayLab;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 9000-byte frames with the default 2176-byte data room: net_pcap reads each into a chain of five
 * mbufs, the filter and the consumers pass them on, and each is written into the TAP whole (one
 * writev, an iovec per segment): the TAP's rx_bytes is exactly the frames' bytes, and the kernel
 * delivers every datagram, checksum verified, to a socket.
 */
class JumboReplayTest {
    private static final int FRAMES = 40;
    private static final int FRAME_BYTES = 9000;

    @TempDir
    Path dir;

    @Test
    void jumboFramesReachTheKernelWhole() throws Exception {
        Path pcap = dir.resolve("jumbo.pcap");
        try (PcapWriter w = new PcapWriter(pcap)) {
            for (int i = 0; i < FRAMES; i++) {
                byte[] payload = new byte[FRAME_BYTES - 42];
                payload[0] = (byte) i;
                w.write(FrameBuilder.ethernet().dstMac("02:00:00:00:00:02").srcMac("02:00:00:00:00:09")
                        .ipv4("198.18.0.2", "198.18.0.1").udp(4000 + i, 5000).payload(payload).build(), i * 1000L);
            }
        }
        try (TwoWayLab lab = TwoWayLab.create(0)) {
            String tap = lab.tapName(0);
            String yaml = """
                    eal:
                      args: [--no-huge, -m, "512", --no-pci, --no-telemetry]
                    ports:
                      - {name: replay0, device: net_pcap0, args: "rx_pcap=%s"}
                    rx_workers:
                      - {name: rx0, core: 0, queues: [{port: replay0, queue: 0}]}
                    filter: {name: l4-hash}
                    cpumap:
                      max_entries: 2
                      entries: [{cpu: 0, qsize: 1024}, {cpu: 1, qsize: 1024}]
                    tap: {name: %s, mtu: 9000, address: 198.18.0.1/24, mac: "02:00:00:00:00:02"}
                    metrics: {enabled: false}
                    control: {socket: %s}
                    """.formatted(pcap, tap, dir.resolve("cpumapd.sock"));
            // The listener first: the capture plays as soon as the daemon is ready.
            Process receiver = new ProcessBuilder("ip", "netns", "exec", lab.host().name(), "/usr/bin/python3", "-c",
                    String.join("\n",
                            "import socket",
                            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                            "s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND: the TAP's address comes later",
                            "s.setsockopt(socket.SOL_SOCKET, 33, 1 << 23)  # SO_RCVBUFFORCE: all 40 may wait at once",
                            "s.bind(('198.18.0.1', 5000))",
                            "print('bound', flush=True)",
                            "s.settimeout(20)",
                            "n = 0",
                            "while n < " + FRAMES + ":",
                            "    d = s.recv(65536)",
                            "    n += len(d) == " + (FRAME_BYTES - 42),
                            "print('got', n, flush=True)"))
                    .redirectErrorStream(true).start();
            try {
                // Bound before the daemon exists: the capture plays as soon as RX starts.
                java.io.BufferedReader out = new java.io.BufferedReader(
                        new java.io.InputStreamReader(receiver.getInputStream()));
                assertThat(out.readLine()).isEqualTo("bound");
                DaemonProcess d = lab.start(dir, yaml);
                assertThat(receiver.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                String rest = out.lines().collect(java.util.stream.Collectors.joining("\n"));
                assertThat(rest).as(rest).contains("got " + FRAMES);
                assertThat(lab.linkStat(tap, "rx", "bytes")).isEqualTo((long) FRAMES * FRAME_BYTES);
                assertThat(lab.linkStat(tap, "rx", "packets")).isEqualTo(FRAMES);
                assertThat(d.terminate(30_000)).as(d.log()).isZero();
                assertThat(d.log()).contains("full again");
            } finally {
                receiver.destroy();
            }
        }
    }
}
