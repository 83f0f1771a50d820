package io.cpumapd.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The daemon side of the protocol: one call per request, on the connection's own thread, so
 * calls from different clients may run concurrently. The server has already checked that the
 * request is a JSON object with a string {@code cmd}; the handler checks the other members
 * (see {@link Requests}) and answers an unknown {@code cmd} with {@link Requests#unsupported}.
 */
@FunctionalInterface
public interface RequestHandler {
    /**
     * @return the reply's {@code result}; {@code null} is sent as {@code {}}
     * @throws ControlException sent as {@code {"ok": false, "errno": ..., "error": ...}}; any other
     *                          exception is sent as EIO with its message
     */
    JsonNode handle(String cmd, ObjectNode request) throws ControlException;
}
