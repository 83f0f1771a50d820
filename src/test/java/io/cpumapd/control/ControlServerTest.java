package io.cpumapd.control;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control protocol against a real {@link ControlServer} on a socket in a temporary directory,
 * with a small handler written here: {@code echo} returns its request, {@code status} a pid,
 * {@code fail} a ControlException, {@code crash} a RuntimeException, anything else EOPNOTSUPP.
 * The daemon's real handler and the whole path from CLI to cpumap are covered by the daemon's
 * end-to-end test.
 */
@Timeout(30)
class ControlServerTest {
    @TempDir
    Path dir;
    Path socket;
    ControlServer server;
    final AtomicInteger calls = new AtomicInteger();

    final RequestHandler handler = (cmd, request) -> {
        calls.incrementAndGet();
        return switch (cmd) {
            case "echo" -> request;
            case "status" -> JsonNodeFactory.instance.objectNode().put("pid", 4242);
            case "fail" -> throw new ControlException(ControlException.E2BIG, "key 7 is outside max_entries 2");
            case "crash" -> throw new IllegalStateException("handler bug");
            default -> throw Requests.unsupported(cmd);
        };
    };

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("run").resolve("cpumapd.sock");
        server = ControlServer.start(socket, "0600", handler);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void answersARequestWithItsResult() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.send("{\"cmd\": \"echo\", \"cpu\": 1}");
            JsonNode reply = c.reply();
            assertThat(reply.get("ok").booleanValue()).isTrue();
            assertThat(reply.get("result").get("cpu").intValue()).isEqualTo(1);
        }
    }

    @Test
    void malformedJsonIsEbadmsgAndTheConnectionStaysUsable() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            for (String bad : List.of("{\"cmd\": ", "not json", "{\"cmd\":\"echo\"} {}", "{\"cmd\":\"echo\",\"cmd\":\"x\"}", "")) {
                c.send(bad);
                JsonNode reply = c.reply();
                assertThat(reply.get("ok").booleanValue()).as(bad).isFalse();
                assertThat(reply.get("errno").asText()).as(bad).isEqualTo("EBADMSG");
                assertThat(reply.get("error").asText()).as(bad).isNotBlank();
            }
            c.send("{\"cmd\": \"echo\"}");
            assertThat(c.reply().get("ok").booleanValue()).isTrue();
        }
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aRequestMustBeAnObjectWithAStringCmd() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.send("[1, 2]");
            assertThat(c.reply().get("error").asText()).contains("must be a JSON object, got array");
            c.send("42");
            assertThat(c.reply().get("errno").asText()).isEqualTo("EBADMSG");
            c.send("{\"cpu\": 1}");
            JsonNode missing = c.reply();
            assertThat(missing.get("errno").asText()).isEqualTo("EBADMSG");
            assertThat(missing.get("error").asText()).isEqualTo("missing member 'cmd'");
            c.send("{\"cmd\": 7}");
            assertThat(c.reply().get("error").asText()).isEqualTo("member 'cmd' must be a string");
        }
        assertThat(calls.get()).isZero();
    }

    @Test
    void handlerErrorsBecomeErrorReplies() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.send("{\"cmd\": \"cpumap.frobnicate\"}");
            JsonNode unknown = c.reply();
            assertThat(unknown.get("errno").asText()).isEqualTo("EOPNOTSUPP");
            assertThat(unknown.get("error").asText()).isEqualTo("unknown command 'cpumap.frobnicate'");

            c.send("{\"cmd\": \"fail\"}");
            JsonNode fail = c.reply();
            assertThat(fail.get("ok").booleanValue()).isFalse();
            assertThat(fail.get("errno").asText()).isEqualTo("E2BIG");
            assertThat(fail.get("error").asText()).isEqualTo("key 7 is outside max_entries 2");

            c.send("{\"cmd\": \"crash\"}");
            JsonNode crash = c.reply();
            assertThat(crash.get("errno").asText()).isEqualTo("EIO");
            assertThat(crash.get("error").asText()).isEqualTo("handler bug");

            c.send("{\"cmd\": \"echo\"}");
            assertThat(c.reply().get("ok").booleanValue()).isTrue();
        }
    }

    @Test
    void aLineOfExactlyTheLimitIsServedOneByteMoreIsEmsgsizeAndClosed() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.send(paddedEcho(ControlServer.MAX_LINE_BYTES - 1)); // plus the newline: the limit
            assertThat(c.reply().get("ok").booleanValue()).isTrue();
            c.send(paddedEcho(ControlServer.MAX_LINE_BYTES));
            JsonNode reply = c.reply();
            assertThat(reply.get("errno").asText()).isEqualTo("EMSGSIZE");
            assertThat(reply.get("error").asText()).contains("65536");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawConnection c = new RawConnection(socket)) {
            c.send("{\"cmd\": \"echo\"}");
            assertThat(c.reply().get("ok").booleanValue()).isTrue();
        }
    }

    @Test
    void aLineWithoutNewlineIsRefusedOnceItPassesTheLimitNotBuffered() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.sendRaw(new byte[ControlServer.MAX_LINE_BYTES]);
            assertThat(c.reply().get("errno").asText()).isEqualTo("EMSGSIZE");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void manyRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                burst.append("{\"cmd\":\"echo\",\"n\":").append(i).append("}\r\n");
            }
            c.sendRaw(burst.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 300; i++) {
                assertThat(c.reply().get("result").get("n").intValue()).isEqualTo(i);
            }
        }
    }

    @Test
    void concurrentClientsAreServedIndependently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int client = t;
                results.add(pool.submit((Callable<Integer>) () -> {
                    try (ControlClient cc = new ControlClient(socket, Duration.ofSeconds(10))) {
                        for (int i = 0; i < 50; i++) {
                            ObjectNode r = Requests.create("echo").put("client", client).put("n", i);
                            JsonNode result = cc.call(r);
                            assertThat(result.get("client").intValue()).isEqualTo(client);
                            assertThat(result.get("n").intValue()).isEqualTo(i);
                        }
                    }
                    return client;
                }));
            }
            for (Future<Integer> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(calls.get()).isEqualTo(400);
    }

    @Test
    void aFinalLineWithoutNewlineIsAnsweredAtEndOfStream() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.sendRaw("{\"cmd\":\"echo\",\"n\":9}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertThat(c.reply().get("result").get("n").intValue()).isEqualTo(9);
        }
    }

    @Test
    void socketAndDirectoryModes() throws Exception {
        assertThat(mode(socket.getParent())).isEqualTo("rwx------");
        assertThat(mode(socket)).isEqualTo("rw-------");

        Path groupSocket = dir.resolve("group").resolve("cpumapd.sock");
        try (ControlServer grouped = ControlServer.start(groupSocket, "0660", handler)) {
            assertThat(mode(groupSocket)).isEqualTo("rw-rw----");
            // Group members must be able to reach the socket: search permission, nothing more.
            assertThat(mode(groupSocket.getParent())).isEqualTo("rwx--x---");
        }
        assertThatThrownBy(() -> ControlServer.start(dir.resolve("x.sock"), "0666", handler))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0600 or 0660");
    }

    @Test
    void anExistingDirectoryKeepsItsMode() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));
        try (ControlServer s = ControlServer.start(shared.resolve("c.sock"), "0600", handler)) {
            assertThat(mode(shared)).isEqualTo("rwxr-x---");
        }
    }

    @Test
    void closeUnlinksTheSocketAndClosesConnections() throws Exception {
        try (RawConnection c = new RawConnection(socket)) {
            c.send("{\"cmd\": \"echo\"}");
            c.reply();
            server.close();
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(socket).doesNotExist();
        assertThatThrownBy(() -> new ControlClient(socket, Duration.ofSeconds(1)).call(Requests.create("echo")))
                .isInstanceOf(DaemonUnreachableException.class);
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(stale));
        dead.close(); // leaves the file, as a daemon killed with SIGKILL does
        assertThat(stale).exists();
        try (ControlServer s = ControlServer.start(stale, "0600", handler);
                ControlClient c = new ControlClient(stale, Duration.ofSeconds(5))) {
            assertThat(c.call(Requests.create("status")).get("pid").intValue()).isEqualTo(4242);
        }
    }

    @Test
    void aSecondServerOnALiveSocketIsRefusedNamingThePid() throws Exception {
        assertThatThrownBy(() -> ControlServer.start(socket, "0600", handler))
                .isInstanceOf(ControlException.class)
                .hasMessage("another cpumapd is running on " + socket + " (pid 4242)")
                .extracting(e -> ((ControlException) e).errno()).isEqualTo("EADDRINUSE");
        try (ControlClient c = new ControlClient(socket, Duration.ofSeconds(5))) {
            assertThat(c.call(Requests.create("echo")).get("cmd").asText()).isEqualTo("echo");
        }
    }

    @Test
    void aSecondServerIsRefusedWithoutPidWhenTheFirstDoesNotTell() throws Exception {
        Path other = dir.resolve("other.sock");
        try (ControlServer silent = ControlServer.start(other, "0600", (cmd, r) -> {
            throw Requests.unsupported(cmd);
        })) {
            assertThatThrownBy(() -> ControlServer.start(other, "0600", handler))
                    .isInstanceOf(ControlException.class)
                    .hasMessage("another cpumapd is running on " + other);
            assertThat(other).exists();
        }
    }

    @Test
    void aPathThatIsNotASocketIsLeftAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me");
        assertThatThrownBy(() -> ControlServer.start(file, "0600", handler))
                .isInstanceOf(ControlException.class).hasMessageContaining("is not a socket");
        assertThat(file).hasContent("keep me");
    }

    @Test
    void aPeerThatIsNotAllowedGetsEpermAndIsClosed() throws Exception {
        Path guarded = dir.resolve("guarded.sock");
        try (ControlServer s = ControlServer.start(guarded, "0600", handler, Duration.ofSeconds(60), peer -> false,
                "nobody"); RawConnection c = new RawConnection(guarded)) {
            JsonNode reply = c.reply(); // at once, before any request

            assertThat(reply.get("errno").asText()).isEqualTo("EPERM");
            assertThat(reply.get("error").asText()).contains("may not control this cpumapd (allowed: nobody)");
            assertThat(c.closedByServer()).isTrue();
            try (ControlClient client = new ControlClient(guarded, Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> client.call(Requests.create("echo")))
                        .isInstanceOf(ControlException.class)
                        .extracting(e -> ((ControlException) e).errno()).isEqualTo("EPERM");
            }
        }
        assertThat(calls.get()).isZero();
    }

    @Test
    void idleConnectionsAreClosedAndTheClientReconnects() throws Exception {
        Path quick = dir.resolve("quick.sock");
        try (ControlServer s = ControlServer.start(quick, "0600", handler, Duration.ofMillis(200), peer -> true, "all");
                ControlClient client = new ControlClient(quick, Duration.ofSeconds(5))) {
            try (RawConnection c = new RawConnection(quick)) {
                assertThat(c.closedByServer()).isTrue(); // waits out the idle timeout
            }
            assertThat(client.call(Requests.create("echo").put("n", 1)).get("n").intValue()).isEqualTo(1);
            Thread.sleep(600); // the server drops the kept connection meanwhile
            assertThat(client.call(Requests.create("echo").put("n", 2)).get("n").intValue()).isEqualTo(2);
        }
    }

    @Test
    void aOneByteTrickleIsCutOffAtTheRequestDeadlineWhileOthersAreServed() throws Exception {
        Path limited = dir.resolve("trickle.sock");
        ControlServer.Limits limits = new ControlServer.Limits(Duration.ofSeconds(60), Duration.ofMillis(500), 8);
        try (ControlServer s = ControlServer.start(limited, "0600", handler, limits, peer -> true, "all");
                RawConnection trickle = new RawConnection(limited);
                ControlClient client = new ControlClient(limited, Duration.ofSeconds(5))) {
            long start = System.nanoTime();
            byte[] request = "{\"cmd\": \"echo\"}\n".getBytes(StandardCharsets.UTF_8);
            boolean cut = false;
            for (int i = 0; i < request.length - 1 && !cut; i++) {
                try {
                    trickle.sendRaw(new byte[] {request[i]});
                } catch (IOException e) {
                    cut = true;
                }
                assertThat(client.call(Requests.create("echo").put("n", i)).get("n").intValue()).isEqualTo(i);
                Thread.sleep(100);
            }
            assertThat(trickle.closedByServer()).as("the trickling connection is closed").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(s.timedOutRequests()).isEqualTo(1);
        }
    }

    @Test
    void aThousandConnectionsNeitherExhaustTheServerNorKeepTheOperatorOut() throws Exception {
        Path limited = dir.resolve("many.sock");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger holding = new AtomicInteger();
        RequestHandler slow = (cmd, request) -> {
            if (cmd.equals("hold")) {
                holding.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return request;
            }
            return handler.handle(cmd, request);
        };
        ControlServer.Limits limits = new ControlServer.Limits(Duration.ofSeconds(60), Duration.ofSeconds(5), 16);
        List<RawConnection> open = new ArrayList<>();
        try (ControlServer s = ControlServer.start(limited, "0600", slow, limits, peer -> true, "all")) {
            for (int i = 0; i < 1000; i++) {
                open.add(new RawConnection(limited));
            }
            long accepted = System.nanoTime() + 10_000_000_000L;
            while (s.evictedConnections() < 1000 - 16 && System.nanoTime() < accepted) {
                Thread.sleep(10);
            }
            // Idle ones make room: the operator's request is answered.
            try (ControlClient client = new ControlClient(limited, Duration.ofSeconds(5))) {
                assertThat(client.call(Requests.create("echo").put("n", 1)).get("n").intValue()).isEqualTo(1);
            }
            assertThat(s.connections()).isLessThanOrEqualTo(16);
            assertThat(s.evictedConnections()).isGreaterThanOrEqualTo(1000 - 16);
            // Every slot busy with a request: a newcomer hears EBUSY at once instead of waiting.
            List<RawConnection> busy = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                RawConnection c = new RawConnection(limited);
                busy.add(c);
                c.send("{\"cmd\": \"hold\"}");
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (holding.get() < 16 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (RawConnection late = new RawConnection(limited)) {
                JsonNode reply = late.reply();
                assertThat(reply.get("errno").asText()).isEqualTo("EBUSY");
            }
            assertThat(s.refusedConnections()).isPositive();
            release.countDown();
            for (RawConnection c : busy) {
                assertThat(c.reply().get("ok").booleanValue()).isTrue();
                c.close();
            }
            try (ControlClient client = new ControlClient(limited, Duration.ofSeconds(5))) {
                assertThat(client.call(Requests.create("echo").put("n", 2)).get("n").intValue()).isEqualTo(2);
            }
        } finally {
            release.countDown();
            for (RawConnection c : open) {
                c.close();
            }
        }
    }

    private static String paddedEcho(int length) {
        String head = "{\"cmd\":\"echo\",\"pad\":\"";
        String tail = "\"}";
        return head + "x".repeat(length - head.length() - tail.length()) + tail;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
