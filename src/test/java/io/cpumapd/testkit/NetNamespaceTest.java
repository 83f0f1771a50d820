package io.cpumapd.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NetNamespaceTest {
    private static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");

    @Test
    void socketsOpenedInsideLiveInTheNamespaceAndCloseDeletesIt() throws Exception {
        Path hostNetNs = Files.readSymbolicLink(THREAD_NETNS);
        NetNamespace ns = NetNamespace.create("cpmns");
        try {
            assertThat(Cmd.check("ip", "netns", "list")).contains(ns.name());
            ns.exec("ip", "link", "set", "dev", "lo", "up");
            assertThat(ns.runInside(() -> Files.readSymbolicLink(THREAD_NETNS))).isNotEqualTo(hostNetNs);
            assertThat(Files.readSymbolicLink(THREAD_NETNS)).isEqualTo(hostNetNs);

            try (DatagramChannel channel = ns.runInside(
                    () -> DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))) {
                int port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
                assertThat(ns.exec("ss", "-Hunl")).contains("127.0.0.1]:" + port); // Java opens dual-stack sockets
            }
            assertThatThrownBy(() -> ns.runInside(() -> {
                throw new IOException("from inside");
            })).hasMessage("from inside");
            assertThatThrownBy(() -> ns.exec("false")).hasMessageContaining("exited with 1");
        } finally {
            ns.close();
        }
        ns.close();
        assertThat(Cmd.check("ip", "netns", "list")).doesNotContain(ns.name());
    }
}
