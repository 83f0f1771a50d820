package io.cpumapd.daemon;

import io.cpumapd.filter.JavaSources;
import java.nio.file.Path;
import java.util.Map;

/**
 * A plugin jar of misbehaving filters, built from source by the test: {@code throws-error} throws an
 * {@link AssertionError} on every {@code every}-th packet (default 10) and redirects the others by hash,
 * {@code spin} never returns, {@code block} parks for ever, {@code throws-always} throws on every packet
 * (as a consumer program too), {@code interrupts} interrupts its thread on its first packet (which ends
 * Agrona's loop: the thread ends by itself) and redirects by hash.
 */
final class FaultPlugins {
    private static final String SERVICES = "META-INF/services/io.cpumapd.filter.FilterProvider";
    private static final String SOURCE = """
            package com.example.faults;

            import io.cpumapd.filter.FilterProvider;
            import io.cpumapd.filter.TargetSet;
            import io.cpumapd.packet.Packet;
            import io.cpumapd.packet.PacketFilter;
            import io.cpumapd.packet.Verdict;
            import java.util.Map;
            import java.util.concurrent.locks.LockSupport;

            public final class %s implements FilterProvider {
                public String name() {
                    return "%s";
                }

                public PacketFilter create(Map<String, String> params, TargetSet targets) {
                    int every = Integer.parseInt(params.getOrDefault("every", "10"));
                    return new PacketFilter() {
                        private long n;

                        public Verdict filter(Packet p) {
                            %s
                        }

                        public String name() {
                            return "%s";
                        }
                    };
                }
            }
            """;

    private FaultPlugins() {
    }

    /** The jar, in {@code dir/faults}: the directory to give as {@code filter.plugin_dir}. */
    static Path build(Path dir) throws Exception {
        Map<String, String> bodies = Map.of(
                "ThrowsError", "throws-error|if (++n % every == 0) { throw new AssertionError(\"fault \" + n); }"
                        + " int[] k = targets.keys(); return k.length == 0 ? Verdict.PASS"
                        + " : p.redirect(k[(int) (n % k.length)]);",
                "Spin", "spin|while (true) { Thread.onSpinWait(); }",
                "Block", "block|while (true) { LockSupport.park(); }",
                "ThrowsAlways", "throws-always|throw new StackOverflowError(\"fault\");",
                "Interrupts", "interrupts|if (n++ == 0) { Thread.currentThread().interrupt(); }"
                        + " int[] k = targets.keys(); return k.length == 0 ? Verdict.PASS"
                        + " : p.redirect(k[(int) (n % k.length)]);");
        Map<String, String> sources = new java.util.TreeMap<>();
        StringBuilder services = new StringBuilder();
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            String[] nameAndBody = e.getValue().split("\\|", 2);
            sources.put("com/example/faults/" + e.getKey() + ".java",
                    SOURCE.formatted(e.getKey(), nameAndBody[0], nameAndBody[1], nameAndBody[0]));
            services.append("com.example.faults.").append(e.getKey()).append('\n');
        }
        Path classes = dir.resolve("fault-classes");
        JavaSources.compileText(sources, dir.resolve("fault-src"), classes);
        Path plugins = dir.resolve("faults");
        JavaSources.jar(classes, Map.of(SERVICES, services.toString()), plugins.resolve("faults.jar"));
        return plugins;
    }
}
