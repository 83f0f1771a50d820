package io.cpumapd.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reading a request's members on the handler side: every mistake becomes EBADMSG with a
 * message naming the command and the member, so a client learns what to fix.
 */
public final class Requests {
    private Requests() {
    }

    /** A new request for {@code cmd}, to fill and pass to {@link ControlClient#call}. */
    public static ObjectNode create(String cmd) {
        return JsonNodeFactory.instance.objectNode().put("cmd", cmd);
    }

    /** The reply to a {@code cmd} the handler does not know. */
    public static ControlException unsupported(String cmd) {
        return new ControlException(ControlException.EOPNOTSUPP, "unknown command '" + cmd + "'");
    }

    /** Refuses any member but {@code cmd} and {@code allowed}: the protocol treats unknown members as errors. */
    public static void expectOnly(ObjectNode request, String... allowed) throws ControlException {
        List<String> names = Arrays.asList(allowed);
        for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("cmd") && !names.contains(name)) {
                throw bad(request, "unknown member '" + name + "'"
                        + (names.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", names) + ")"));
            }
        }
    }

    public static int intMember(ObjectNode request, String name) throws ControlException {
        JsonNode v = request.get(name);
        if (v == null || v.isNull()) {
            throw bad(request, "needs member '" + name + "' (an integer)");
        }
        return toInt(request, name, v);
    }

    public static OptionalInt optionalInt(ObjectNode request, String name) throws ControlException {
        JsonNode v = request.get(name);
        return v == null || v.isNull() ? OptionalInt.empty() : OptionalInt.of(toInt(request, name, v));
    }

    public static String stringMember(ObjectNode request, String name) throws ControlException {
        JsonNode v = request.get(name);
        if (v == null || v.isNull()) {
            throw bad(request, "needs member '" + name + "' (a string)");
        }
        return toText(request, name, v);
    }

    public static Optional<String> optionalString(ObjectNode request, String name) throws ControlException {
        JsonNode v = request.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(toText(request, name, v));
    }

    /** An optional object of strings, in the request's order; empty when absent. */
    public static Map<String, String> stringMap(ObjectNode request, String name) throws ControlException {
        JsonNode v = request.get(name);
        Map<String, String> map = new LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return map;
        }
        if (!v.isObject()) {
            throw bad(request, "member '" + name + "' must be an object of strings, got " + describe(v));
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw bad(request, "member '" + name + "' must map names to strings, but '" + e.getKey() + "' is "
                        + describe(e.getValue()));
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }

    private static int toInt(ObjectNode request, String name, JsonNode v) throws ControlException {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw bad(request, "member '" + name + "' must be an integer, got " + describe(v));
        }
        return v.intValue();
    }

    private static String toText(ObjectNode request, String name, JsonNode v) throws ControlException {
        if (!v.isTextual()) {
            throw bad(request, "member '" + name + "' must be a string, got " + describe(v));
        }
        return v.textValue();
    }

    private static String describe(JsonNode v) {
        String text = v.toString();
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " "
                + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }

    private static ControlException bad(ObjectNode request, String what) {
        return new ControlException(ControlException.EBADMSG, request.path("cmd").asText("request") + ": " + what);
    }
}
