package io.cpumapd.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link MetricsServer} as an HTTP client sees it, on an ephemeral loopback port. */
class MetricsServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final TestSource source = new TestSource();
    private PrometheusMeterRegistry registry;
    private CpumapdMeters meters;
    private MetricsServer server;

    @BeforeEach
    void start() throws IOException {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).throwExceptionOnRegistrationFailure();
        meters = CpumapdMeters.register(registry, source);
        source.set("rx/0/RX", 4242);
        server = MetricsServer.start("127.0.0.1", 0, registry);
    }

    @AfterEach
    void stop() {
        server.close();
        meters.close();
        registry.close();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder metrics() {
        return HttpRequest.newBuilder(server.uri());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void listensOnTheEphemeralPortItReports() {
        assertThat(server.port()).isPositive();
        assertThat(server.uri()).isEqualTo(URI.create("http://127.0.0.1:" + server.port() + "/metrics"));
    }

    @Test
    void plainGetGetsThePrometheusTextFormat() throws Exception {
        HttpResponse<byte[]> r = send(metrics().GET());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Encoding")).isEmpty();
        String body = text(r);
        assertThat(body).contains("# TYPE cpumapd_rx_packets_total counter")
                .contains("cpumapd_rx_packets_total{cpu=\"2\",worker=\"rx0\"} 4242").doesNotContain("# EOF");
    }

    @Test
    void openMetricsWhenTheClientAsksForIt() throws Exception {
        // What Prometheus 2.x sends.
        HttpResponse<byte[]> r = send(metrics().header("Accept", "application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        String body = text(r);
        assertThat(body).contains("# TYPE cpumapd_rx_packets counter")
                .contains("cpumapd_rx_packets_total{cpu=\"2\",worker=\"rx0\"} 4242").endsWith("# EOF\n");
        assertThat(body).contains("# TYPE cpumapd_build info");
    }

    @Test
    void negotiationHonoursQualities() {
        assertThat(MetricsServer.wantsOpenMetrics(null)).isFalse();
        assertThat(MetricsServer.wantsOpenMetrics("*/*")).isFalse();
        assertThat(MetricsServer.wantsOpenMetrics("application/openmetrics-text")).isTrue();
        assertThat(MetricsServer.wantsOpenMetrics("text/plain, application/openmetrics-text;q=0.5")).isFalse();
        assertThat(MetricsServer.wantsOpenMetrics("application/openmetrics-text;q=0")).isFalse();
        assertThat(MetricsServer.acceptsGzip("deflate, gzip;q=0.8")).isTrue();
        assertThat(MetricsServer.acceptsGzip("gzip;q=0")).isFalse();
        assertThat(MetricsServer.acceptsGzip(null)).isFalse();
    }

    @Test
    void gzipWhenTheClientAcceptsIt() throws Exception {
        HttpResponse<byte[]> r = send(metrics().header("Accept-Encoding", "gzip"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        String body;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(body).contains("cpumapd_rx_packets_total{cpu=\"2\",worker=\"rx0\"} 4242");
        assertThat(r.body().length).isLessThan(body.length() / 3);
    }

    @Test
    void headGetsTheHeadersOnly() throws Exception {
        HttpResponse<byte[]> r = send(metrics().method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void otherPathsAre404() throws Exception {
        for (String path : new String[] {"/", "/metricsx", "/metrics/", "/api/v1/query"}) {
            HttpResponse<byte[]> r = send(HttpRequest.newBuilder(server.uri().resolve(path)));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
        }
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "?x=1"))).statusCode()).isEqualTo(200);
    }

    @Test
    void otherMethodsAre405() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            HttpResponse<byte[]> r = send(metrics().method(method, HttpRequest.BodyPublishers.ofString("x")));
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
        }
    }

    @Test
    void aTakenPortIsOneClearLine() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", port, registry))
                    .isInstanceOf(BindException.class)
                    .hasMessage("metrics: cannot listen on 127.0.0.1:" + port + ": address already in use");
        }
    }

    @Test
    void itsThreadsCanBeConfinedToHousekeepingCpus() throws Exception {
        server.close(); // its threads carry the same names
        BitSet cpu0 = new BitSet();
        cpu0.set(0);
        try (MetricsServer confined = MetricsServer.start("127.0.0.1", 0, registry, cpu0)) {
            assertThat(send(HttpRequest.newBuilder(confined.uri())).statusCode()).isEqualTo(200);
            Map<String, String> allowed = new TreeMap<>();
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        String name = Files.readString(task.resolve("comm")).strip();
                        if (name.equals("metrics-scrape") || name.equals("HTTP-Dispatcher")) {
                            String list = Files.readAllLines(task.resolve("status")).stream()
                                    .filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst().orElseThrow();
                            allowed.put(name + "/" + task.getFileName(),
                                    list.substring(list.indexOf(':') + 1).strip());
                        }
                    } catch (java.nio.file.NoSuchFileException ended) {
                        // A thread of this JVM (another test's, a JIT or GC helper) ended after the listing.
                    }
                }
            }
            assertThat(allowed.keySet()).anyMatch(n -> n.startsWith("HTTP-Dispatcher"))
                    .anyMatch(n -> n.startsWith("metrics-scrape"));
            assertThat(allowed.values()).as("%s", allowed).containsOnly("0");
        }
    }

    @Test
    void slowAndHalfSentRequestsNeitherStallScrapesNorStayForever() throws Exception {
        java.util.List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", server.port());
                // Half a request: the request line and one header, never the blank line that ends it.
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            long start = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                // a byte more from each: a trickle, never a whole request
                for (java.net.Socket s : slow) {
                    try {
                        s.getOutputStream().write('X');
                    } catch (IOException closed) {
                        // cut off by the server already
                    }
                }
                long one = System.nanoTime();
                HttpResponse<byte[]> r = send(metrics());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - one)).as("a scrape beside 24 slow clients")
                        .isLessThan(Duration.ofSeconds(2));
                Thread.sleep(200);
            }
            // The JDK server cuts a request that has not arrived within its time.
            for (java.net.Socket s : slow) {
                s.setSoTimeout(15_000);
                assertThat(s.getInputStream().read()).as("the server closed the half-sent request").isEqualTo(-1);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(MetricsServer.MAX_REQUEST_SECONDS + 8));
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
    }
}
