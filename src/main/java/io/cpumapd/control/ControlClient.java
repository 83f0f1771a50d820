package io.cpumapd.control;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The CLI's end of the control socket: one connection, opened on the first call and kept for the
 * next ones (a {@code stats} loop sends many). Non-blocking with a selector, because a blocking
 * channel has no timeout and a hung daemon must not hang the CLI.
 */
public final class ControlClient implements AutoCloseable {
    /** Replies are not bounded by the protocol; this only guards against a runaway peer. */
    static final int MAX_REPLY_BYTES = 16 << 20;

    private final Path socket;
    private final Duration timeout;
    private SocketChannel channel;
    private Selector selector;

    public ControlClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Sends one request and waits at most the timeout for its reply.
     *
     * @return the reply's {@code result}
     * @throws DaemonUnreachableException no socket, connection refused, permission denied, or no reply in time
     * @throws ControlException           the daemon's error reply, or a broken reply (EBADMSG / EIO)
     */
    public JsonNode call(ObjectNode request) throws DaemonUnreachableException, ControlException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean reused = channel != null;
        if (!reused) {
            connect(deadline);
        }
        try {
            send(request, deadline);
        } catch (IOException e) {
            byte[] early = pendingReply(deadline);
            if (early != null) {
                return result(early); // the daemon refused us before reading (peer check)
            }
            close();
            if (reused) {
                return call(request); // the daemon closed a connection we kept (idle timeout)
            }
            throw lost(e);
        }
        byte[] line;
        try {
            line = receive(deadline);
        } catch (IOException e) {
            close();
            throw lost(e);
        }
        if (line == null) {
            close();
            if (reused) {
                return call(request); // closed while idle: nothing of the request was answered
            }
            throw new ControlException(ControlException.EIO, "cpumapd closed the connection without replying");
        }
        return result(line);
    }

    /** A reply already queued on a connection whose writing side broke, or null. */
    private byte[] pendingReply(long deadline) throws DaemonUnreachableException {
        try {
            return receive(deadline);
        } catch (IOException e) {
            return null;
        }
    }

    private ControlException lost(IOException e) {
        return new ControlException(ControlException.EIO, "lost the connection to cpumapd on " + socket + ": "
                + e.getMessage(), e);
    }

    @Override
    public void close() {
        try {
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing left to release
        } finally {
            selector = null;
            channel = null;
        }
    }

    private void connect(long deadline) throws DaemonUnreachableException {
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.configureBlocking(false);
            selector = Selector.open();
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                channel.register(selector, SelectionKey.OP_CONNECT);
                while (!channel.finishConnect()) {
                    await(deadline);
                }
            }
            channel.register(selector, 0);
        } catch (DaemonUnreachableException e) {
            throw e;
        } catch (IOException e) {
            close();
            throw new DaemonUnreachableException(socket, reason(e), e);
        }
    }

    private String reason(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (Files.notExists(socket)) {
            return "no socket file";
        }
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.isEmpty() ? e.toString() : m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
    }

    private void send(ObjectNode request, long deadline) throws IOException, DaemonUnreachableException {
        byte[] json = request.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        channel.keyFor(selector).interestOps(SelectionKey.OP_WRITE);
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                await(deadline);
            }
        }
    }

    /** The reply line without its newline, or null on end of stream before any of it. */
    private byte[] receive(long deadline) throws IOException, DaemonUnreachableException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        ByteBuffer in = ByteBuffer.allocate(8192);
        channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
        while (true) {
            int n = channel.read(in);
            if (n < 0) {
                if (line.size() > 0) {
                    throw new IOException("connection closed in the middle of a reply");
                }
                return null;
            }
            if (n == 0) {
                await(deadline);
                continue;
            }
            in.flip();
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    // One request, one reply: nothing can follow the newline before the next request.
                    return line.toByteArray();
                }
                line.write(b);
            }
            in.clear();
            if (line.size() > MAX_REPLY_BYTES) {
                close();
                throw new IOException("reply longer than " + MAX_REPLY_BYTES + " bytes");
            }
        }
    }

    private void await(long deadline) throws IOException, DaemonUnreachableException {
        long leftNs = deadline - System.nanoTime();
        if (leftNs <= 0) {
            close();
            throw new DaemonUnreachableException(socket, "no reply within " + describe(timeout), null);
        }
        selector.select(Math.max(1, leftNs / 1_000_000));
        selector.selectedKeys().clear();
    }

    private JsonNode result(byte[] line) throws ControlException {
        JsonNode reply;
        try {
            reply = ControlServer.MAPPER.readTree(line);
        } catch (JacksonException e) {
            throw new ControlException(ControlException.EBADMSG, "malformed reply from cpumapd: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ControlException(ControlException.EBADMSG, "malformed reply from cpumapd: " + e.getMessage());
        }
        if (reply == null || !reply.isObject() || !reply.path("ok").isBoolean()) {
            throw new ControlException(ControlException.EBADMSG, "malformed reply from cpumapd: " + new String(line,
                    StandardCharsets.UTF_8));
        }
        if (reply.get("ok").booleanValue()) {
            JsonNode result = reply.get("result");
            return result == null || result.isNull() ? ControlServer.MAPPER.createObjectNode() : result;
        }
        throw new ControlException(reply.path("errno").asText(ControlException.EIO),
                reply.path("error").asText("cpumapd refused the request"));
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
