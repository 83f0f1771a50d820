package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reading the daemon's JSON for human output. Tolerant on purpose: a member a newer or older
 * daemon lacks prints as "-" instead of failing the command.
 */
final class Human {
    private Human() {
    }

    static Object num(JsonNode node, String member) {
        JsonNode v = node.path(member);
        return v.isNumber() ? v.numberValue() : "-";
    }

    static String text(JsonNode node, String member) {
        JsonNode v = node.path(member);
        return v.isMissingNode() || v.isNull() ? "-" : v.asText();
    }

    /** {@code k=v k2=v2}, or {@code -} for none. */
    static String params(JsonNode params) {
        List<String> kv = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : params.properties()) {
            kv.add(e.getKey() + "=" + e.getValue().asText());
        }
        return kv.isEmpty() ? "-" : String.join(" ", kv);
    }

    static String filter(JsonNode filter) {
        String params = params(filter.path("params"));
        return text(filter, "name") + (params.equals("-") ? "" : " " + params) + " (swaps " + text(filter, "swaps") + ")";
    }

    static String uptime(JsonNode seconds) {
        if (!seconds.isNumber()) {
            return "-";
        }
        double s = seconds.doubleValue();
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long t = (long) s;
        long d = t / 86400;
        long h = t % 86400 / 3600;
        long m = t % 3600 / 60;
        return (d > 0 ? d + "d " : "") + (d > 0 || h > 0 ? h + "h " : "") + m + "m " + t % 60 + "s";
    }

    static String speed(JsonNode port) {
        if (!port.path("link_up").asBoolean(false)) {
            return "-";
        }
        long mbps = port.path("link_speed_mbps").asLong(0);
        if (mbps <= 0) {
            return "?";
        }
        return mbps % 1000 == 0 ? mbps / 1000 + " Gbps" : mbps + " Mbps";
    }

    /** The cpumap's entries as a table, or a line saying there are none. */
    static void entries(PrintWriter out, JsonNode cpumap) {
        TextTable t = new TextTable("CPU", "QSIZE", "ENTRY", "PROGRAM");
        for (JsonNode e : cpumap.path("entries")) {
            t.row(num(e, "cpu"), num(e, "qsize"), num(e, "entry_id"), text(e, "program"));
        }
        out.println("cpumap: max_entries " + text(cpumap, "max_entries") + ", "
                + (t.isEmpty() ? "no entries" : cpumap.path("entries").size() + " entr"
                + (cpumap.path("entries").size() == 1 ? "y" : "ies")));
        if (!t.isEmpty()) {
            t.print(out);
        }
    }

    static String entry(JsonNode e) {
        return "cpu " + text(e, "cpu") + ": entry " + text(e, "entry_id") + ", qsize " + text(e, "qsize")
                + ", program " + text(e, "program") + (e.has("gro") ? ", gro " + (e.get("gro").asBoolean() ? "on" : "off") : "");
    }
}
