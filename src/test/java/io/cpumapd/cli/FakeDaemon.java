package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.control.ControlException;
import io.cpumapd.control.ControlServer;
import io.cpumapd.control.Requests;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real {@link ControlServer} whose handler answers from a script: per command, a queue of
 * results or errors (the last one repeats). It records every request it got, so tests can
 * check the exact members each CLI command sends.
 */
final class FakeDaemon implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private final Map<String, Deque<Object>> script = new ConcurrentHashMap<>();
    final List<ObjectNode> requests = new CopyOnWriteArrayList<>();
    private final ControlServer server;

    FakeDaemon(Path dir) throws IOException, ControlException {
        server = ControlServer.start(dir.resolve("cpumapd.sock"), "0600", (cmd, request) -> {
            requests.add(request.deepCopy());
            Deque<Object> answers = script.get(cmd);
            if (answers == null) {
                throw Requests.unsupported(cmd);
            }
            Object a = answers.size() > 1 ? answers.pollFirst() : answers.peekFirst();
            if (a instanceof ControlException e) {
                throw new ControlException(e.errno(), e.getMessage());
            }
            return (JsonNode) a;
        });
    }

    String socket() {
        return server.socket().toString();
    }

    /** Answers {@code cmd} with these results in turn (JSON text), repeating the last. */
    FakeDaemon answer(String cmd, String... results) {
        Deque<Object> q = script.computeIfAbsent(cmd, c -> new ConcurrentLinkedDeque<>());
        for (String r : results) {
            q.add(json(r));
        }
        return this;
    }

    FakeDaemon fail(String cmd, String errno, String message) {
        script.computeIfAbsent(cmd, c -> new ConcurrentLinkedDeque<>()).add(new ControlException(errno, message));
        return this;
    }

    void clear(String cmd) {
        script.remove(cmd);
    }

    ObjectNode lastRequest() {
        return requests.getLast();
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** What a user sees of one CLI run. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            return FakeDaemon.json(out);
        }

        List<JsonNode> jsonLines() {
            List<JsonNode> nodes = new ArrayList<>();
            out.lines().forEach(l -> nodes.add(FakeDaemon.json(l)));
            return nodes;
        }
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
