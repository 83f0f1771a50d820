package io.cpumapd.control;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The daemon's end of the control socket (protocol in {@code docs/control-protocol.md}): a Unix
 * stream socket served with the JDK's own channels, one virtual thread per connection (the control
 * path is never hot), newline-delimited JSON requests of at most {@link #MAX_LINE_BYTES} bytes.
 * A bad request costs the client an error reply, never the server.
 */
public final class ControlServer implements AutoCloseable {
    /** A request line's limit, newline included. */
    public static final int MAX_LINE_BYTES = 65536;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** How long a starting server waits for a live daemon's {@code status} reply to name its pid. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    // The name follows daemon.Logging.PREFIX (control sits below the daemon and cannot import it).
    private static final System.Logger LOG = System.getLogger("cpumapd.control");
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path socket;
    private final ServerSocketChannel server;
    private final RequestHandler handler;
    private final Duration idleTimeout;
    private final Predicate<UnixDomainPrincipal> peerAllowed;
    private final String allowedPeers;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path socket, ServerSocketChannel server, RequestHandler handler, Duration idleTimeout,
            Predicate<UnixDomainPrincipal> peerAllowed, String allowedPeers) {
        this.socket = socket;
        this.server = server;
        this.handler = handler;
        this.idleTimeout = idleTimeout;
        this.peerAllowed = peerAllowed;
        this.allowedPeers = allowedPeers;
        // One platform thread for all idle checks: a blocked channel read has no timeout of its own.
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "control-idle");
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(10, Math.min(1000, idleTimeout.toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::closeIdle, periodMs, periodMs, TimeUnit.MILLISECONDS);
        this.acceptor = Thread.ofVirtual().name("control-accept").start(this::acceptLoop);
    }

    /**
     * Binds {@code socket}, serving requests with {@code handler}.
     *
     * @param mode {@code "0600"}: only root and this process's user may talk to it (checked again
     *             with SO_PEERCRED); {@code "0660"}: so may the members of the socket file's group,
     *             which the file's permissions check at connect time (SO_PEERCRED names only the
     *             peer's primary group, so it cannot see membership through supplementary groups)
     * @throws ControlException EADDRINUSE when another daemon answers on {@code socket}, or the
     *                          path cannot be checked or is not a socket
     */
    public static ControlServer start(Path socket, String mode, RequestHandler handler)
            throws IOException, ControlException {
        if (parseMode(mode).contains(PosixFilePermission.GROUP_WRITE)) {
            return start(socket, mode, handler, DEFAULT_IDLE_TIMEOUT, peer -> true, "the socket's owner and group");
        }
        UserPrincipal root = principal(0);
        UserPrincipal self = principal(new com.sun.security.auth.module.UnixSystem().getUid());
        return start(socket, mode, handler, DEFAULT_IDLE_TIMEOUT,
                peer -> peer.user().equals(root) || peer.user().equals(self),
                "root and " + self.getName());
    }

    /** With the idle timeout and the peer check chosen by the caller (tests). */
    static ControlServer start(Path socket, String mode, RequestHandler handler, Duration idleTimeout,
            Predicate<UnixDomainPrincipal> peerAllowed, String allowedPeers) throws IOException, ControlException {
        Set<PosixFilePermission> socketMode = parseMode(mode);
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            createDirectory(dir, socketMode.contains(PosixFilePermission.GROUP_WRITE) ? "rwx--x---" : "rwx------");
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            removeStale(socket);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            // The file exists with the umask's mode until here; the directory (0700) and the peer
            // check keep others out in that window.
            Files.setPosixFilePermissions(socket, socketMode);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return new ControlServer(socket, server, handler, idleTimeout, peerAllowed, allowedPeers);
    }

    public Path socket() {
        return socket;
    }

    /** Stops accepting, closes every connection (waiting briefly for requests in progress) and unlinks the socket. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        watchdog.shutdownNow();
        for (Connection c : connections) {
            c.close();
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            acceptor.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            for (Connection c : connections) {
                if (c.thread != Thread.currentThread()) { // a handler may close its own server
                    c.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(socket);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Out of file descriptors and the like: keep serving the ones we have, retry later.
                LOG.log(System.Logger.Level.WARNING, "control socket: accept failed: {0}", e.getMessage());
                sleepQuietly(100);
                continue;
            }
            Connection c = new Connection(ch);
            c.thread = Thread.ofVirtual().name("control-conn").unstarted(() -> serve(c));
            connections.add(c);
            if (closed) {
                c.close(); // close() may have run between accept and add
            }
            c.thread.start();
        }
    }

    private void serve(Connection c) {
        try (SocketChannel ch = c.channel) {
            UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peerAllowed.test(peer)) {
                write(ch, error(ControlException.EPERM, "user " + peer.user().getName()
                        + " may not control this cpumapd (allowed: " + allowedPeers + ")"));
                return;
            }
            // Bounded by construction: a line that does not fit is refused, never buffered further.
            ByteBuffer buf = ByteBuffer.allocate(MAX_LINE_BYTES);
            int scanned = 0;
            while (true) {
                int n = ch.read(buf);
                c.touch();
                int lineStart = 0;
                int end = buf.position();
                for (int i = scanned; i < end; i++) {
                    if (buf.get(i) == '\n') {
                        reply(c, buf.array(), lineStart, i - lineStart);
                        lineStart = i + 1;
                    }
                }
                if (n < 0) {
                    if (lineStart < end) {
                        reply(c, buf.array(), lineStart, end - lineStart); // last line without newline (nc, echo -n)
                    }
                    return;
                }
                buf.flip().position(lineStart);
                buf.compact();
                scanned = buf.position();
                if (!buf.hasRemaining()) {
                    write(ch, error(ControlException.EMSGSIZE,
                            "request line longer than " + MAX_LINE_BYTES + " bytes; closing the connection"));
                    return;
                }
            }
        } catch (IOException e) {
            // Peer gone, idle timeout or server closing: nothing to answer.
        } finally {
            connections.remove(c);
        }
    }

    private void reply(Connection c, byte[] bytes, int offset, int length) throws IOException {
        if (length > 0 && bytes[offset + length - 1] == '\r') {
            length--;
        }
        byte[] answer;
        c.busy = true;
        try {
            answer = answer(bytes, offset, length);
        } finally {
            c.busy = false;
            c.touch();
        }
        // Not busy while writing: a client that never reads its replies times out like an idle one.
        write(c.channel, answer);
    }

    private byte[] answer(byte[] bytes, int offset, int length) {
        JsonNode request;
        try {
            request = MAPPER.readTree(bytes, offset, length);
        } catch (JacksonException e) {
            return error(ControlException.EBADMSG, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return error(ControlException.EBADMSG, "malformed JSON: " + e.getMessage());
        }
        if (request == null || request.isMissingNode()) {
            return error(ControlException.EBADMSG, "empty request line");
        }
        if (!request.isObject()) {
            return error(ControlException.EBADMSG,
                    "a request must be a JSON object, got " + request.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        JsonNode cmd = request.get("cmd");
        if (cmd == null || cmd.isNull()) {
            return error(ControlException.EBADMSG, "missing member 'cmd'");
        }
        if (!cmd.isTextual()) {
            return error(ControlException.EBADMSG, "member 'cmd' must be a string");
        }
        try {
            JsonNode result = handler.handle(cmd.textValue(), (ObjectNode) request);
            ObjectNode ok = MAPPER.createObjectNode().put("ok", true);
            ok.set("result", result == null ? MAPPER.createObjectNode() : result);
            return MAPPER.writeValueAsBytes(ok);
        } catch (ControlException e) {
            return error(e.errno(), e.getMessage());
        } catch (JacksonException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "control: '" + cmd.textValue() + "' failed", e);
            return error(ControlException.EIO, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static byte[] error(String errno, String message) {
        ObjectNode reply = MAPPER.createObjectNode().put("ok", false).put("errno", errno).put("error", message);
        return reply.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void write(SocketChannel ch, byte[] line) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    private void closeIdle() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            if (!c.busy && now - c.lastActivityNs > idleTimeout.toNanos()) {
                c.close();
            }
        }
    }

    /** Refuses to replace a live daemon's socket; unlinks one that nothing answers on. */
    private static void removeStale(Path socket) throws IOException, ControlException {
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new ControlException(ControlException.EADDRINUSE,
                    socket + " exists and is not a socket; remove it or choose another path");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(socket)).close(); // someone listens: ask who below
        } catch (ConnectException e) {
            Files.deleteIfExists(socket);
            LOG.log(System.Logger.Level.INFO, "removed stale control socket {0} (nothing answered on it)", socket);
            return;
        } catch (IOException e) {
            throw new ControlException(ControlException.EADDRINUSE,
                    "cannot check the existing socket " + socket + ": " + e.getMessage());
        }
        String pid = "";
        try (ControlClient client = new ControlClient(socket, PROBE_TIMEOUT)) {
            JsonNode status = client.call(Requests.create("status"));
            if (status.path("pid").canConvertToLong()) {
                pid = " (pid " + status.path("pid").asLong() + ")";
            }
        } catch (ControlException | DaemonUnreachableException e) {
            // It answers but does not tell: refuse without the pid.
        }
        throw new ControlException(ControlException.EADDRINUSE, "another cpumapd is running on " + socket + pid);
    }

    private static Set<PosixFilePermission> parseMode(String mode) {
        return switch (mode) {
            case "0600", "600" -> PosixFilePermissions.fromString("rw-------");
            case "0660", "660" -> PosixFilePermissions.fromString("rw-rw----");
            default -> throw new IllegalArgumentException("control socket mode must be 0600 or 0660, not " + mode);
        };
    }

    private static void createDirectory(Path dir, String perms) throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        } catch (FileAlreadyExistsException e) {
            return; // created meanwhile by someone else: theirs to mode
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms)); // the umask applied at creation
    }

    /** The principal of a uid; the JDK compares principals by uid, and looks up a numeric name as that uid. */
    private static UserPrincipal principal(long uid) throws IOException {
        return socketLookup().lookupPrincipalByName(Long.toString(uid));
    }

    private static java.nio.file.attribute.UserPrincipalLookupService socketLookup() {
        return java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Connection {
        final SocketChannel channel;
        volatile long lastActivityNs = System.nanoTime();
        volatile boolean busy;
        volatile Thread thread;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void touch() {
            lastActivityNs = System.nanoTime();
        }

        void close() {
            try {
                channel.close(); // wakes the connection's thread out of its read
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
