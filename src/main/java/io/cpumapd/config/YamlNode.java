package io.cpumapd.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mapping of the parsed YAML tree with the path that leads to it, read key by key with typed,
 * strict accessors: no scalar coercion, explicit {@code null} only where the key is nullable,
 * unknown keys refused when the mapping is opened.
 *
 * <p>Why not bind the records with Jackson databind: databind reports a missing key and an
 * explicit {@code null} alike, checks creator properties in its own order, and its messages name
 * Java classes. Reading the tree Jackson built keeps every message in the user's terms — the YAML
 * path and the value as written — while Jackson still does the parsing, duplicate-key detection
 * and multi-document check ({@link ConfigLoader}).
 */
final class YamlNode {
    private final JsonNode node;
    private final String path;

    private YamlNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Opens {@code node} as a mapping whose keys must be among {@code known}. */
    static YamlNode mapping(JsonNode node, String path, List<String> known) {
        if (!node.isObject()) {
            throw new ConfigException(path, "expected a mapping, got " + describe(node));
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ConfigException(child(path, name), "unknown key (known: " + String.join(", ", known) + ")");
            }
        }
        return new YamlNode(node, path);
    }

    String path() {
        return path;
    }

    /** The path of one of this mapping's keys. */
    String path(String key) {
        return child(path, key);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String element(String path, int index) {
        return path + "[" + index + "]";
    }

    boolean has(String key) {
        return node.has(key);
    }

    /** The value of {@code key}, or null when the key is absent or explicitly null. */
    JsonNode raw(String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** A sub-mapping, or an empty one when the key is absent. */
    YamlNode mapping(String key, List<String> known) {
        JsonNode v = node.get(key);
        if (v == null) {
            return new YamlNode(JsonNodeFactory.instance.objectNode(), path(key));
        }
        return mapping(v, path(key), known);
    }

    YamlNode requiredMapping(String key, List<String> known) {
        return mapping(required(key, "a mapping"), path(key), known);
    }

    int integer(String key, int defaultValue, int min, int max) {
        JsonNode v = node.get(key);
        return v == null ? defaultValue : toInt(v, path(key), min, max);
    }

    int requiredInteger(String key, int min, int max) {
        return toInt(required(key, "an integer"), path(key), min, max);
    }

    boolean bool(String key, boolean defaultValue) {
        JsonNode v = node.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(path(key), "expected true or false, got " + describe(v));
        }
        return v.booleanValue();
    }

    String string(String key, String defaultValue) {
        JsonNode v = node.get(key);
        return v == null ? defaultValue : toText(v, path(key));
    }

    /** A string that may be absent or explicitly {@code null}. */
    String nullableString(String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : toText(v, path(key));
    }

    String requiredString(String key) {
        String s = toText(required(key, "a string"), path(key));
        if (s.isEmpty()) {
            throw new ConfigException(path(key), "must not be empty");
        }
        return s;
    }

    /** The elements of a list, each with its path; an empty list when the key is absent. */
    List<Element> list(String key) {
        JsonNode v = node.get(key);
        return v == null ? List.of() : toList(v, path(key));
    }

    List<Element> requiredList(String key) {
        return toList(required(key, "a list"), path(key));
    }

    List<String> stringList(String key, List<String> defaultValue) {
        JsonNode v = node.get(key);
        if (v == null) {
            return defaultValue;
        }
        List<String> out = new ArrayList<>();
        for (Element e : toList(v, path(key))) {
            out.add(toText(e.node(), e.path()));
        }
        return List.copyOf(out);
    }

    /**
     * A mapping of string to string; scalar values (numbers, booleans) become their YAML text, so
     * {@code {rate: 5}} gives {@code "5"}. Lists, mappings and nulls are refused.
     */
    Map<String, String> stringMap(String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new ConfigException(path(key), "expected a mapping of names to values, got " + describe(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var fields = v.properties().iterator(); fields.hasNext(); ) {
            var f = fields.next();
            JsonNode value = f.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw new ConfigException(child(path(key), f.getKey()), "expected a scalar value, got " + describe(value));
            }
            out.put(f.getKey(), value.asText());
        }
        return Collections.unmodifiableMap(out);
    }

    /** One element of a list with its path ({@code ports[2]}). */
    record Element(JsonNode node, String path, int index) {
        YamlNode mapping(List<String> known) {
            return YamlNode.mapping(node, path, known);
        }
    }

    private JsonNode required(String key, String what) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new ConfigException(path(key), "missing required key (expected " + what + ")");
        }
        return v;
    }

    private static int toInt(JsonNode v, String path, int min, int max) {
        if (!v.isIntegralNumber()) {
            throw new ConfigException(path, "expected an integer, got " + describe(v));
        }
        if (!v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new ConfigException(path, v.asText() + " is out of range " + min + ".." + max);
        }
        return v.intValue();
    }

    private static String toText(JsonNode v, String path) {
        if (!v.isTextual()) {
            throw new ConfigException(path, "expected a string, got " + describe(v));
        }
        return v.textValue();
    }

    private static List<Element> toList(JsonNode v, String path) {
        if (!v.isArray()) {
            throw new ConfigException(path, "expected a list, got " + describe(v));
        }
        List<Element> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            out.add(new Element(v.get(i), element(path, i), i));
        }
        return out;
    }

    /** A value as the user wrote it: strings quoted, scalars as is, containers by kind. */
    static String describe(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "null";
        }
        if (v.isTextual()) {
            return quote(v.textValue());
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        return v.asText();
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
