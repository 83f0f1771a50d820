package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Two {@code stats} snapshots turned into rates: the snapshot's shape with every counter replaced
 * by its increase per second over the daemon's own clock ({@code time_ns}), plus a summary and
 * each enqueue's bulk average. Labels and levels (ring use, mempool) are the later snapshot's.
 */
final class StatsRates {
    /** Each list of the snapshot and the member that identifies an item across snapshots. */
    private static final Map<String, String> SECTIONS = Map.of(
            "rx", "worker", "enqueue", "cpu", "consumers", "cpu", "tap", "queue", "ports", "name");
    /** Members that are not counters. */
    private static final Set<String> NOT_COUNTERS = Set.of(
            "worker", "cpu", "queue", "name", "ring_used", "ring_capacity");

    private StatsRates() {
    }

    static ObjectNode between(JsonNode prev, JsonNode cur) {
        long dtNs = cur.path("time_ns").asLong() - prev.path("time_ns").asLong();
        double perSecond = dtNs > 0 ? 1e9 / dtNs : 0;
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("time_ns", cur.path("time_ns").asLong());
        r.put("interval_seconds", dtNs / 1e9);
        ObjectNode summary = r.putObject("summary");
        for (String section : new String[] {"rx", "enqueue", "consumers", "tap", "ports"}) {
            r.set(section, rates(prev.path(section), cur.path(section), SECTIONS.get(section), perSecond));
        }
        for (JsonNode e : r.path("enqueue")) {
            double calls = e.path("bulk_calls").asDouble();
            ((ObjectNode) e).put("bulk_avg", calls > 0 ? e.path("enqueued").asDouble() / calls : 0);
        }
        if (cur.has("mempool")) {
            r.set("mempool", cur.get("mempool"));
        }
        summary.put("rx", sum(r.path("rx"), "rx"));
        summary.put("redirect", sum(r.path("rx"), "redirect"));
        // Every packet lost on the way, each counted once: the RX verdicts that end it (redirect
        // errors, skb errors and exceptions are ABORTED; pass_drops are PASSes the kernel refused;
        // tx_errors are TXes without a TX queue), ring-full
        // drops, and the consumers' own (delivery failures, DROP, exceptions).
        summary.put("err_drop", sum(r.path("rx"), "aborted", "drop", "pass_drops", "tx_errors")
                + sum(r.path("enqueue"), "drops")
                + sum(r.path("consumers"), "drops", "drop", "exceptions"));
        summary.put("enqueue", sum(r.path("enqueue"), "enqueued"));
        summary.put("tap", sum(r.path("tap"), "packets"));
        return r;
    }

    private static ArrayNode rates(JsonNode prev, JsonNode cur, String key, double perSecond) {
        Map<String, JsonNode> before = new HashMap<>();
        for (JsonNode item : prev) {
            before.put(item.path(key).asText(), item);
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (JsonNode item : cur) {
            // An item new since the last snapshot (a cpu's first entry) started from zero.
            JsonNode old = before.getOrDefault(item.path(key).asText(), JsonNodeFactory.instance.objectNode());
            ObjectNode rate = out.addObject();
            for (Map.Entry<String, JsonNode> m : item.properties()) {
                String name = m.getKey();
                if (NOT_COUNTERS.contains(name) || !m.getValue().isIntegralNumber()) {
                    rate.set(name, m.getValue());
                } else {
                    // A counter that went back means the daemon restarted: no rate for this interval.
                    long delta = Math.max(0, m.getValue().asLong() - old.path(name).asLong());
                    rate.put(name, delta * perSecond);
                }
            }
        }
        return out;
    }

    private static double sum(JsonNode items, String... members) {
        double s = 0;
        for (JsonNode item : items) {
            for (String m : members) {
                s += item.path(m).asDouble();
            }
        }
        return s;
    }
}
