package io.cpumapd.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.pipeline.Pipeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The io.cpumapd packages form no cycle, as {@code jdeps -verbose:package} sees the daemon's
 * compiled classes (docs/architecture.md; docs/package-graph.sh prints the same graph).
 */
class PackageGraphTest {
    @Test
    void theDaemonsPackagesFormNoCycle() throws Exception {
        Map<String, Set<String>> graph = jdepsGraph(mainClasses());
        assertThat(graph).as("jdeps found the packages").containsKeys("pipeline", "counters", "worker");
        assertThat(cycle(graph)).as("a cycle among io.cpumapd packages").isEmpty();
    }

    @Test
    void theLeavesDependOnNothingOfOurs() throws Exception {
        Map<String, Set<String>> graph = jdepsGraph(mainClasses());
        assertThat(graph.getOrDefault("counters", Set.of())).as("counters").isEmpty();
        assertThat(graph.getOrDefault("config", Set.of())).as("config").isEmpty();
    }

    @Test
    void theCycleCheckFindsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("a"));
        assertThat(cycle(graph)).containsExactly("a", "b", "c", "a");
        graph.put("c", Set.of());
        assertThat(cycle(graph)).isEmpty();
    }

    private static Path mainClasses() throws Exception {
        return Path.of(Pipeline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Package -> the io.cpumapd packages it uses (prefix dropped), from jdeps. */
    static Map<String, Set<String>> jdepsGraph(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
                classes.toString());
        assertThat(rc).as("jdeps: %s", err).isZero();
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("->") && f[0].startsWith("io.cpumapd") && f[2].startsWith("io.cpumapd")) {
                String from = strip(f[0]);
                String to = strip(f[2]);
                graph.computeIfAbsent(from, k -> new TreeSet<>());
                if (!from.equals(to)) {
                    graph.get(from).add(to);
                }
            }
        }
        return graph;
    }

    private static String strip(String pkg) {
        return pkg.equals("io.cpumapd") ? "" : pkg.substring("io.cpumapd.".length());
    }

    /** One cycle as a path that ends where it starts, or empty. */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new TreeMap<>(); // 1 on the path, 2 done
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            if (visit(start, graph, state, path)) {
                return path;
            }
        }
        return List.of();
    }

    private static boolean visit(String node, Map<String, Set<String>> graph, Map<String, Integer> state,
            List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) {
            return false;
        }
        if (s != null && s == 1) {
            path.subList(0, path.indexOf(node)).clear();
            path.add(node);
            return true;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (visit(next, graph, state, path)) {
                return true;
            }
        }
        path.removeLast();
        state.put(node, 2);
        return false;
    }
}
