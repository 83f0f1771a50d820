package io.cpumapd.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI's client reports when the daemon is absent, silent or refuses. */
@Timeout(30)
class ControlClientTest {
    @TempDir
    Path dir;

    @Test
    void noSocketFile() {
        Path socket = dir.resolve("cpumapd.sock");
        assertThatThrownBy(() -> new ControlClient(socket, Duration.ofSeconds(1)).call(Requests.create("status")))
                .isInstanceOf(DaemonUnreachableException.class)
                .hasMessage("cpumapd is not reachable on " + socket
                        + ": no socket file (is the daemon running? start it with 'cpumapd run')");
    }

    @Test
    void connectionRefusedOnALeftoverSocket() throws Exception {
        Path socket = dir.resolve("cpumapd.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close();
        assertThatThrownBy(() -> new ControlClient(socket, Duration.ofSeconds(1)).call(Requests.create("status")))
                .isInstanceOf(DaemonUnreachableException.class)
                .hasMessageContaining(": connection refused (is the daemon running?");
    }

    @Test
    void aDaemonThatDoesNotAnswerInTimeIsUnreachable() throws Exception {
        Path socket = dir.resolve("slow.sock");
        CountDownLatch release = new CountDownLatch(1);
        try (ControlServer s = ControlServer.start(socket, "0600", (cmd, r) -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        })) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> new ControlClient(socket, Duration.ofMillis(300)).call(Requests.create("status")))
                    .isInstanceOf(DaemonUnreachableException.class)
                    .hasMessageContaining(": no reply within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            release.countDown();
        }
    }

    @Test
    void anErrorReplyIsAControlExceptionAndANullResultAnEmptyObject() throws Exception {
        Path socket = dir.resolve("c.sock");
        try (ControlServer s = ControlServer.start(socket, "0600", (cmd, r) -> {
            if (cmd.equals("filter.set")) {
                throw new ControlException(ControlException.EFILTER, "no filter named 'nope'; the old one stays");
            }
            return null;
        }); ControlClient client = new ControlClient(socket, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> client.call(Requests.create("filter.set").put("name", "nope")))
                    .isInstanceOf(ControlException.class)
                    .hasMessage("no filter named 'nope'; the old one stays")
                    .extracting(e -> ((ControlException) e).errno()).isEqualTo("EFILTER");
            assertThat(client.call(Requests.create("anything"))).isEqualTo(JsonNodeFactory.instance.objectNode());
        }
    }

    @Test
    void numericKernelErrnosMapToTheirNames() {
        assertThat(ControlException.ofErrno(7, "m").errno()).isEqualTo("E2BIG");
        assertThat(ControlException.ofErrno(19, "m").errno()).isEqualTo("ENODEV");
        assertThat(ControlException.ofErrno(75, "m").errno()).isEqualTo("EOVERFLOW");
        assertThat(ControlException.ofErrno(17, "m").errno()).isEqualTo("EEXIST");
        assertThat(ControlException.ofErrno(2, "m").errno()).isEqualTo("ENOENT");
        assertThat(ControlException.ofErrno(22, "m").errno()).isEqualTo("EINVAL");
        assertThat(ControlException.ofErrno(12, "m").errno()).isEqualTo("EIO");
    }
}
