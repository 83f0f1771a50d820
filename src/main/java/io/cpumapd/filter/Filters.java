package io.cpumapd.filter;

import io.cpumapd.packet.PacketFilter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Creates RX filters by name: the built-ins (the kernel sample's program modes plus {@code acl} and
 * {@code rate-limit}), plugins of a {@link PluginLoader}, or a class named by its fully qualified name.
 * Every call returns a new instance, meant for one RX worker thread. Control path.
 */
public final class Filters {
    @FunctionalInterface
    private interface Factory {
        PacketFilter create(Params params, TargetSet targets, PluginLoader plugins);
    }

    private static final Map<String, Factory> BUILT_INS = new LinkedHashMap<>();

    static {
        BUILT_INS.put("no-touch", (p, t, l) -> new NoTouchFilter(t));
        BUILT_INS.put("touch", (p, t, l) -> new TouchFilter(t));
        BUILT_INS.put("round-robin", (p, t, l) -> new RoundRobinFilter(t));
        BUILT_INS.put("l4-proto", (p, t, l) -> l4Proto(p, t, "l4-proto", L4ProtoFilter.NO_PORT));
        BUILT_INS.put("l4-filter", (p, t, l) -> l4Proto(p, t, "l4-filter", p.intValue("drop_port", 9, 0, 65535)));
        BUILT_INS.put("l4-hash", (p, t, l) -> new L4HashFilter(t));
        BUILT_INS.put("l4-sport", (p, t, l) -> new L4PortFilter(t, true));
        BUILT_INS.put("l4-dport", (p, t, l) -> new L4PortFilter(t, false));
        BUILT_INS.put("acl", (p, t, l) -> new AclFilter(AclLoader.load(p), action(p, "default", "pass")));
        BUILT_INS.put("rate-limit", Filters::rateLimit);
    }

    private Filters() {
    }

    /** Built-in filter names. */
    public static List<String> names() {
        return List.copyOf(BUILT_INS.keySet());
    }

    /** Built-in names, then the names of the plugins {@code plugins} found (null: none). */
    public static List<String> names(PluginLoader plugins) {
        List<String> all = new ArrayList<>(names());
        if (plugins != null) {
            all.addAll(plugins.names());
        }
        return all;
    }

    static boolean isBuiltIn(String name) {
        return BUILT_INS.containsKey(name);
    }

    /**
     * A new filter named {@code name}: a built-in, else a class of that fully qualified name on the
     * class path (library use and tests; the daemon uses the four-argument form).
     */
    public static PacketFilter create(String name, Map<String, String> params, TargetSet targets) {
        return create(name, params, targets, null, true);
    }

    /**
     * A new filter named {@code name}: a built-in, else a plugin of {@code plugins} (may be null), else
     * a class of that fully qualified name implementing {@link PacketFilter} (public no-arg constructor,
     * no parameters) or {@link FilterProvider} defined by one of the plugin jars. A class of the class
     * path is refused before it is initialised: naming a class must not run its static initialiser.
     *
     * @throws FilterException unknown name, unknown parameter, bad value, or a plugin that fails to load
     */
    public static PacketFilter create(String name, Map<String, String> params, TargetSet targets,
                                      PluginLoader plugins) {
        return create(name, params, targets, plugins, false);
    }

    private static PacketFilter create(String name, Map<String, String> params, TargetSet targets,
                                       PluginLoader plugins, boolean classPath) {
        if (name == null || name.isBlank()) {
            throw new FilterException("no filter name given (built-in: " + String.join(", ", names()) + ")");
        }
        String trimmed = name.strip();
        TargetSet t = targets == null ? new TargetSet() : targets;
        Map<String, String> p = params == null ? Map.of() : params;
        Factory builtIn = BUILT_INS.get(trimmed);
        if (builtIn != null) {
            Params read = new Params(trimmed, p);
            PacketFilter filter = builtIn.create(read, t, plugins);
            read.finish();
            return filter;
        }
        if (plugins != null && plugins.names().contains(trimmed)) {
            return plugins.create(trimmed, p, t);
        }
        if (trimmed.indexOf('.') > 0 && classPath) {
            return PluginLoader.fromClass(trimmed, p, t, Filters.class.getClassLoader());
        }
        if (trimmed.indexOf('.') > 0 && plugins != null) {
            return PluginLoader.fromClass(trimmed, p, t, plugins.classLoader(), plugins.classLoader());
        }
        throw new FilterException("unknown filter '" + trimmed + "' (built-in: " + String.join(", ", names())
                + (plugins == null ? "" : "; plugins: " + (plugins.names().isEmpty() ? "none"
                : String.join(", ", plugins.names())))
                + (classPath || plugins != null ? "; or the fully qualified name of a PacketFilter or FilterProvider"
                + " class" + (classPath ? "" : " in a plugin jar") : "") + ")");
    }

    private static PacketFilter l4Proto(Params p, TargetSet t, String name, int dropPort) {
        return new L4ProtoFilter(name, t, p.cpumapKey("tcp"), p.cpumapKey("udp"), p.cpumapKey("icmp"), dropPort);
    }

    /** {@code drop}, {@code pass} or {@code redirect:<cpu>} as an {@link AclRule} action code. */
    static int action(Params p, String key, String fallback) {
        String v = p.string(key, fallback);
        try {
            return AclRule.parseAction(v);
        } catch (IllegalArgumentException e) {
            throw p.bad(key, v, e.getMessage());
        }
    }

    private static PacketFilter rateLimit(Params p, TargetSet t, PluginLoader plugins) {
        long ratePps = p.longValue("rate_pps", 10_000, 0, 1_000_000_000);
        long burst = p.longValue("burst", Math.max(ratePps, 1), 1, 1_000_000_000);
        long synPps = p.longValue("syn_pps", 0, 0, 1_000_000_000);
        long udpPps = p.longValue("udp_pps", 0, 0, 1_000_000_000);
        int requested = p.intValue("table_size", 65_536, 1, 1 << 22);
        int tableSize = Integer.highestOneBit(requested) == requested ? requested : Integer.highestOneBit(requested) << 1;
        String evictionText = p.string("eviction", "lru");
        SourceTable.Eviction eviction = switch (evictionText.toLowerCase(Locale.ROOT)) {
            case "lru" -> SourceTable.Eviction.LRU;
            case "drop-new" -> SourceTable.Eviction.DROP_NEW;
            case "pass-new" -> SourceTable.Eviction.PASS_NEW;
            default -> throw p.bad("eviction", evictionText, "expected lru, drop-new or pass-new");
        };
        String thenName = p.string("then", "l4-hash");
        if (thenName.equals("rate-limit")) {
            throw p.bad("then", thenName, "rate-limit cannot feed itself");
        }
        PacketFilter then = create(thenName, p.withPrefix("then.", "then.<param>"), t, plugins, false);
        long seed = ThreadLocalRandom.current().nextLong();
        return new RateLimitFilter(RateLimitFilter.Limit.of(ratePps, burst),
                RateLimitFilter.Limit.of(synPps, synPps), RateLimitFilter.Limit.of(udpPps, udpPps),
                tableSize, eviction, seed, then);
    }
}
