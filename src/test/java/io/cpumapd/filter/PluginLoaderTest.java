package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginLoaderTest {
    private static final String SERVICES = "META-INF/services/io.cpumapd.filter.FilterProvider";
    private static final TargetSet TARGETS = TargetSet.of(1, 2);

    // ---- classes named by their fully qualified name (on the test class path) ----

    public static final class ConstantDrop implements PacketFilter {
        @Override
        public Verdict filter(Packet packet) {
            return Verdict.DROP;
        }
    }

    public static final class ToKey implements FilterProvider {
        @Override
        public String name() {
            return "to-key";
        }

        @Override
        public PacketFilter create(Map<String, String> params, TargetSet targets) {
            int key = Integer.parseInt(params.getOrDefault("key", "0"));
            return packet -> packet.redirect(key);
        }
    }

    public static final class Throws implements PacketFilter {
        public Throws() {
            throw new IllegalStateException("no licence");
        }

        @Override
        public Verdict filter(Packet packet) {
            return Verdict.PASS;
        }
    }

    public static final class NeedsArgument implements PacketFilter {
        public NeedsArgument(int x) {
        }

        @Override
        public Verdict filter(Packet packet) {
            return Verdict.PASS;
        }
    }

    public static final class NotAFilter {
    }

    /** A class-path filter whose static initialiser leaves a trace. */
    public static final class Initialised implements PacketFilter {
        static {
            INITIALISED.set(true);
        }

        @Override
        public Verdict filter(Packet packet) {
            return Verdict.PASS;
        }
    }

    static final java.util.concurrent.atomic.AtomicBoolean INITIALISED = new java.util.concurrent.atomic.AtomicBoolean();

    @Test
    void theDaemonsLookupTakesNoClassOfTheClassPathNorRunsItsInitialiser(@org.junit.jupiter.api.io.TempDir Path empty) {
        try (PluginLoader plugins = new PluginLoader(empty)) {
            assertThatThrownBy(() -> Filters.create(name(Initialised.class), Map.of(), TARGETS, plugins))
                    .isInstanceOf(FilterException.class).hasMessageContaining("no class of that name in the plugin jars");
            assertThatThrownBy(() -> Filters.create(name(Initialised.class), Map.of(), TARGETS, null))
                    .isInstanceOf(FilterException.class).hasMessageContaining("unknown filter");
        }
        assertThat(INITIALISED.get()).as("the static initialiser did not run").isFalse();
    }

    private static String name(Class<?> c) {
        return c.getName();
    }

    @Test
    void classByNameAsPacketFilterOrProvider() {
        try (FilterHarness h = new FilterHarness()) {
            byte[] frame = TestFrames.v4().udp(1, 2).build();
            assertThat(h.run(Filters.create(name(ConstantDrop.class), Map.of(), TARGETS), frame).verdict())
                    .isEqualTo(Verdict.DROP);
            assertThat(h.run(Filters.create(name(ToKey.class), Map.of("key", "7"), TARGETS), frame).redirectedTo(7))
                    .isTrue();
        }
    }

    @Test
    void classByNameFailures() {
        assertThatThrownBy(() -> Filters.create("com.example.Missing", Map.of(), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("unknown filter 'com.example.Missing'")
                .hasMessageContaining("no class of that name");
        assertThatThrownBy(() -> Filters.create(name(NotAFilter.class), Map.of(), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("implements neither");
        assertThatThrownBy(() -> Filters.create(name(Throws.class), Map.of(), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("threw: IllegalStateException: no licence");
        assertThatThrownBy(() -> Filters.create(name(NeedsArgument.class), Map.of(), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("no public no-argument constructor");
        assertThatThrownBy(() -> Filters.create(name(ConstantDrop.class), Map.of("x", "1"), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("takes no parameters (given: x)");
        assertThatThrownBy(() -> Filters.create(name(ToKey.class), Map.of("key", "x"), TARGETS))
                .isInstanceOf(FilterException.class).hasMessageContaining("failed to create a filter")
                .hasMessageContaining("NumberFormatException");
    }

    // ---- jars in a plugin directory ----

    private static final String PROVIDER = """
            package p;
            import io.cpumapd.filter.*;
            import io.cpumapd.packet.*;
            import java.util.Map;
            public class %s implements FilterProvider {
                public %s() { %s }
                public String name() { return "%s"; }
                public PacketFilter create(Map<String, String> params, TargetSet targets) {
                    %s
                    return packet -> Verdict.DROP;
                }
            }
            """;

    private static Path pluginJar(Path tmp, String jarName, String className, String ctorBody, String name,
                                  String createBody, String services) throws IOException {
        Path src = tmp.resolve("src-" + jarName);
        Path classes = tmp.resolve("classes-" + jarName);
        JavaSources.compileText(Map.of("p/" + className + ".java",
                PROVIDER.formatted(className, className, ctorBody, name, createBody)), src, classes);
        return JavaSources.jar(classes, Map.of(SERVICES, services), tmp.resolve("plugins").resolve(jarName));
    }

    @Test
    void providerFromAJar(@TempDir Path tmp) throws IOException {
        Path jar = pluginJar(tmp, "drop-all.jar", "DropAll", "", "drop-all", "", "p.DropAll\n");
        try (PluginLoader plugins = new PluginLoader(jar.getParent()); FilterHarness h = new FilterHarness()) {
            assertThat(plugins.names()).containsExactly("drop-all");
            assertThat(plugins.origin("drop-all")).endsWith("drop-all.jar");
            assertThat(Filters.names(plugins)).endsWith("drop-all").contains("l4-hash");
            PacketFilter f = Filters.create("drop-all", Map.of(), TARGETS, plugins);
            assertThat(h.run(f, TestFrames.arp()).verdict()).isEqualTo(Verdict.DROP);
            assertThat(h.run(Programs.create("drop-all", Map.of(), plugins), TestFrames.arp()).verdict())
                    .isEqualTo(Verdict.DROP);
            // A class in a plugin jar can also be named directly.
            assertThat(h.run(Filters.create("p.DropAll", Map.of(), TARGETS, plugins), TestFrames.arp()).verdict())
                    .isEqualTo(Verdict.DROP);
            assertThatThrownBy(() -> Filters.create("drop-none", Map.of(), TARGETS, plugins))
                    .hasMessageContaining("plugins: drop-all");
        }
    }

    @Test
    void providerThatRejectsItsParameters(@TempDir Path tmp) throws IOException {
        Path jar = pluginJar(tmp, "strict.jar", "Strict", "", "strict",
                "if (!params.isEmpty()) throw new FilterException(\"strict takes nothing\");", "p.Strict\n");
        try (PluginLoader plugins = new PluginLoader(jar.getParent())) {
            assertThatThrownBy(() -> Filters.create("strict", Map.of("a", "b"), TARGETS, plugins))
                    .isInstanceOf(FilterException.class).hasMessage("strict takes nothing");
        }
    }

    @Test
    void providerWhoseCreateThrows(@TempDir Path tmp) throws IOException {
        Path jar = pluginJar(tmp, "boom.jar", "Boom", "", "boom", "if (true) throw new IllegalStateException(\"boom\");",
                "p.Boom\n");
        try (PluginLoader plugins = new PluginLoader(jar.getParent())) {
            assertThatThrownBy(() -> Filters.create("boom", Map.of(), TARGETS, plugins))
                    .isInstanceOf(FilterException.class).hasMessageContaining("plugin 'boom'")
                    .hasMessageContaining("boom.jar").hasMessageContaining("IllegalStateException: boom");
        }
    }

    @Test
    void loadFailures(@TempDir Path tmp) throws IOException {
        assertThatThrownBy(() -> new PluginLoader(tmp.resolve("nowhere"))).isInstanceOf(FilterException.class)
                .hasMessageContaining("nowhere does not exist");

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.write(broken.resolve("garbage.jar"), new byte[] {'P', 'K', 3, 4, 1, 2, 3});
        assertThatThrownBy(() -> new PluginLoader(broken)).isInstanceOf(FilterException.class)
                .hasMessageContaining("garbage.jar is not a readable jar");

        Path missingClass = JavaSources.jar(null, Map.of(SERVICES, "p.Gone\n"), tmp.resolve("missing/m.jar"));
        assertThatThrownBy(() -> new PluginLoader(missingClass.getParent())).isInstanceOf(FilterException.class)
                .hasMessageContaining("cannot load a FilterProvider").hasMessageContaining("p.Gone");

        JavaSources.compileText(Map.of("p/NotProvider.java", "package p; public class NotProvider {}"),
                tmp.resolve("wrong-src"), tmp.resolve("wrong-classes"));
        Path wrongType = JavaSources.jar(tmp.resolve("wrong-classes"), Map.of(SERVICES, "p.NotProvider\n"),
                tmp.resolve("wrong/w.jar"));
        assertThatThrownBy(() -> new PluginLoader(wrongType.getParent())).isInstanceOf(FilterException.class)
                .hasMessageContaining("cannot load a FilterProvider").hasMessageContaining("not a subtype");

        Path ctorThrows = pluginJar(tmp.resolve("t"), "t.jar", "Bad", "if (true) throw new RuntimeException(\"ctor\");",
                "bad", "", "p.Bad\n");
        assertThatThrownBy(() -> new PluginLoader(ctorThrows.getParent())).isInstanceOf(FilterException.class)
                .hasMessageContaining("cannot load a FilterProvider");

        Path clash = pluginJar(tmp.resolve("c"), "c.jar", "Clash", "", "l4-hash", "", "p.Clash\n");
        assertThatThrownBy(() -> new PluginLoader(clash.getParent())).isInstanceOf(FilterException.class)
                .hasMessageContaining("uses the name of the built-in filter 'l4-hash'");

        Path twice = tmp.resolve("d");
        pluginJar(twice, "a.jar", "A", "", "same", "", "p.A\n");
        pluginJar(twice, "b.jar", "B", "", "same", "", "p.B\n");
        assertThatThrownBy(() -> new PluginLoader(twice.resolve("plugins"))).isInstanceOf(FilterException.class)
                .hasMessageContaining("two plugins are named 'same'");
    }

    @Test
    void emptyDirectoryIsFine(@TempDir Path tmp) {
        try (PluginLoader plugins = new PluginLoader(tmp)) {
            assertThat(plugins.names()).isEmpty();
            assertThat(Filters.create("l4-hash", Map.of(), TARGETS, plugins).name()).isEqualTo("l4-hash");
        }
    }
}
