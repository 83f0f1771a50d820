package io.cpumapd.filter;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Second-stage programs: what a cpumap entry runs on its consumer core ({@code xdp/cpumap} programs).
 * {@code pass}, {@code drop}, {@code redirect} ({@code cpu=N} to another entry or {@code port=N} out a
 * DPDK port), and every RX filter name or plugin, whose targets then come from the {@code targets}
 * parameter ({@code targets=1,2,3}) because an entry has no live target set of its own.
 */
public final class Programs {
    private static final List<String> OWN = List.of("pass", "drop", "redirect");

    private Programs() {
    }

    public static List<String> names() {
        List<String> all = new ArrayList<>(OWN);
        all.addAll(Filters.names());
        return all;
    }

    public static PacketFilter create(String name, Map<String, String> params) {
        return create(name, params, null);
    }

    /** @throws FilterException unknown name, unknown parameter or bad value */
    public static PacketFilter create(String name, Map<String, String> params, PluginLoader plugins) {
        String n = name == null ? "" : name.strip();
        Params p = new Params(n, params);
        PacketFilter program = switch (n) {
            case "pass" -> fixed("pass", Verdict.PASS);
            case "drop" -> fixed("drop", Verdict.DROP);
            case "redirect" -> redirect(p);
            default -> null;
        };
        if (program != null) {
            p.finish();
            return program;
        }
        Map<String, String> rest = new HashMap<>(params == null ? Map.of() : params);
        String targets = rest.remove("targets");
        return Filters.create(n, rest, targets == null ? new TargetSet() : targetSet(n, targets), plugins);
    }

    /**
     * The cpumap entries program {@code name} may redirect to, as its parameters say: {@code redirect}'s
     * {@code cpu}, another filter's {@code targets}; none for {@code pass}, {@code drop} or a port.
     * The cpumap refuses an update whose redirects would close a cycle. An {@code acl} program's rules
     * name keys of their own: see {@link #redirectTargets(String, Map, PacketFilter)}.
     */
    public static int[] redirectTargets(String name, Map<String, String> params) {
        String n = name == null ? "" : name.strip();
        Map<String, String> p = params == null ? Map.of() : params;
        return switch (n) {
            case "", "pass", "drop" -> new int[0];
            case "redirect" -> p.containsKey("cpu") ? new int[] {new Params(n, p).cpumapKey("cpu")} : new int[0];
            default -> p.containsKey("targets") ? targetSet(n, p.get("targets")).keys() : new int[0];
        };
    }

    /**
     * As {@link #redirectTargets(String, Map)}, and also the keys the built program names itself: an
     * {@code acl} program's {@code redirect:N} rules and default. {@code built} may be null (nothing to add).
     */
    public static int[] redirectTargets(String name, Map<String, String> params, PacketFilter built) {
        int[] declared = redirectTargets(name, params);
        if (!(built instanceof AclFilter acl)) {
            return declared;
        }
        return java.util.stream.IntStream.concat(Arrays.stream(declared), Arrays.stream(acl.redirectKeys()))
                .distinct().sorted().toArray();
    }

    private static PacketFilter fixed(String name, Verdict verdict) {
        return new PacketFilter() {
            @Override
            public Verdict filter(Packet packet) {
                return verdict;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static PacketFilter redirect(Params p) {
        int cpu = p.cpumapKey("cpu");
        int port = p.intValue("port", -1, 0, 65535);
        if ((cpu < 0) == (port < 0)) {
            throw new FilterException("program 'redirect': give exactly one of cpu=<cpumap key> or port=<DPDK port>");
        }
        return new PacketFilter() {
            @Override
            public Verdict filter(Packet packet) {
                return cpu >= 0 ? packet.redirect(cpu) : packet.redirectToPort(port);
            }

            @Override
            public String name() {
                return "redirect";
            }
        };
    }

    private static TargetSet targetSet(String program, String text) {
        try {
            return new TargetSet(Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray());
        } catch (IllegalArgumentException e) {
            throw new FilterException("program '" + program + "': bad value '" + text
                    + "' for parameter 'targets': expected comma-separated cpumap keys");
        }
    }
}
