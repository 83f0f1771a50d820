package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.pcap.FrameBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Keeps {@code examples/filter-plugin} working: compiles it against this build, loads it as a plugin
 * jar through {@link PluginLoader}, and runs the example's own JUnit tests.
 */
class ExamplePluginTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("basedir", ".")).resolve("examples/filter-plugin");
    private static final String SERVICES = "META-INF/services/io.cpumapd.filter.FilterProvider";

    private static Path buildPluginJar(Path tmp) throws IOException {
        Path classes = tmp.resolve("classes");
        JavaSources.compile(JavaSources.javaFilesUnder(EXAMPLE.resolve("src/main/java")), classes, null);
        String services = Files.readString(EXAMPLE.resolve("src/main/resources/" + SERVICES));
        return JavaSources.jar(classes, Map.of(SERVICES, services), tmp.resolve("plugins/dns-guard.jar"));
    }

    @Test
    void loadsAsAPluginAndFilters(@TempDir Path tmp) throws IOException {
        Path jar = buildPluginJar(tmp);
        try (PluginLoader plugins = new PluginLoader(jar.getParent()); FilterHarness h = new FilterHarness()) {
            assertThat(plugins.names()).containsExactly("dns-guard");
            PacketFilter f = Filters.create("dns-guard", Map.of("port", "53"), TargetSet.of(4, 6), plugins);
            byte[] dns = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.53").udp(40000, 53).build();
            byte[] web = FrameBuilder.ethernet().ipv4("198.18.0.1", "198.18.0.80").tcp(40000, 443).build();
            assertThat(h.run(f, dns).verdict()).isEqualTo(Verdict.DROP);
            assertThat(h.run(f, web).cpumapKey()).isIn(4, 6);
            assertThat(((CountedFilter) f).counterNames()).containsExactly("dropped_dns");
            assertThat(((CountedFilter) f).counter(0)).isEqualTo(1);
            assertThat(f.getClass().getClassLoader()).isSameAs(plugins.classLoader());
        }
    }

    @Test
    void theExampleOwnTestsPass(@TempDir Path tmp) throws Exception {
        Path classes = tmp.resolve("classes");
        Path testClasses = tmp.resolve("test-classes");
        JavaSources.compile(JavaSources.javaFilesUnder(EXAMPLE.resolve("src/main/java")), classes, null);
        List<Path> tests = JavaSources.javaFilesUnder(EXAMPLE.resolve("src/test/java"));
        JavaSources.compile(tests, testClasses, classes.toString());
        URL[] urls = {testClasses.toUri().toURL(), classes.toUri().toURL()};
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(urls, getClass().getClassLoader())) {
            Thread.currentThread().setContextClassLoader(loader);
            LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
            for (Path test : tests) {
                String name = EXAMPLE.resolve("src/test/java").relativize(test).toString()
                        .replace(".java", "").replace('/', '.');
                request.selectors(selectClass(Class.forName(name, false, loader)));
            }
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(request.build(), listener);
            TestExecutionSummary summary = listener.getSummary();
            StringWriter failures = new StringWriter();
            summary.printFailuresTo(new PrintWriter(failures), 20);
            assertThat(summary.getTestsFoundCount()).isGreaterThanOrEqualTo(4);
            assertThat(summary.getTotalFailureCount()).as(failures.toString()).isZero();
            assertThat(summary.getTestsSucceededCount()).isEqualTo(summary.getTestsFoundCount());
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }
}
