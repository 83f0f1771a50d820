package io.cpumapd.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}) for a test: on 127.0.0.1 with a
 * free port, its TSDB and generated configuration in a temporary directory, scraping one target
 * every second. {@link #close()} kills it and deletes the directory; so does a failed start.
 */
public final class PrometheusServer implements AutoCloseable {
    public static final String BINARY = "prometheus";
    public static final String JOB = "cpumapd";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One element of an instant vector (or the value of a scalar, with no labels). */
    public record Sample(Map<String, String> labels, double value) {
    }

    private final Process process;
    private final Path dir;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path dir, URI base) {
        this.process = process;
        this.dir = dir;
        this.base = base;
    }

    /** Starts Prometheus scraping {@code target} ({@code http://host:port/path}) every second, and waits until it is ready. */
    public static PrometheusServer start(URI target) {
        Path dir;
        try {
            dir = Files.createTempDirectory("cpumapd-prometheus-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrometheusServer server = null;
        try {
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, config(target));
            int port = freePort();
            Process process = new ProcessBuilder(BINARY,
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=info")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            server = new PrometheusServer(process, dir, URI.create("http://127.0.0.1:" + port));
            server.awaitReady();
            return server;
        } catch (IOException | RuntimeException e) {
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new UncheckedIOException("cannot start " + BINARY, (IOException) e);
            if (server != null) {
                failure.addSuppressed(new IllegalStateException("prometheus log:\n" + server.log()));
                server.close();
            } else {
                deleteTree(dir);
            }
            throw failure;
        }
    }

    static String config(URI target) {
        String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/metrics" : target.getRawPath();
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: %s
                    metrics_path: %s
                    static_configs:
                      - targets: ['%s:%d']
                """.formatted(JOB, path, target.getHost(), target.getPort());
    }

    /** Prometheus's HTTP API and UI, {@code http://127.0.0.1:port}. */
    public URI uri() {
        return base;
    }

    /** {@code prometheus --version}'s first line. */
    public static String version() {
        return Cmd.check(BINARY, "--version").lines().findFirst().orElse("").strip();
    }

    /** Evaluates {@code promql} now through {@code /api/v1/query}: the samples of a vector, or one for a scalar. */
    public List<Sample> query(String promql) {
        return samples(promql, get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
    }

    /**
     * Evaluates {@code promql} at {@code time} (not now): ranges then end there, so a window can be
     * lined up with one measured elsewhere.
     */
    public List<Sample> query(String promql, Instant time) {
        String at = String.format(Locale.ROOT, "%.3f", time.toEpochMilli() / 1e3);
        return samples(promql, get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time=" + at));
    }

    private static List<Sample> samples(String promql, JsonNode data) {
        String type = data.path("resultType").asText();
        List<Sample> samples = new ArrayList<>();
        switch (type) {
            case "vector" -> {
                for (JsonNode r : data.path("result")) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    r.path("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
                    samples.add(new Sample(labels, Double.parseDouble(r.path("value").path(1).asText())));
                }
            }
            case "scalar" -> samples.add(new Sample(Map.of(),
                    Double.parseDouble(data.path("result").path(1).asText())));
            default -> throw new IllegalArgumentException("query " + promql + " returned a " + type
                    + ", not an instant vector or scalar");
        }
        return samples;
    }

    /** The scrape targets' health and last error, for failure messages. */
    public String targets() {
        StringBuilder s = new StringBuilder();
        for (JsonNode t : get("/api/v1/targets").path("activeTargets")) {
            s.append(t.path("scrapeUrl").asText()).append(' ').append(t.path("health").asText());
            if (!t.path("lastError").asText().isEmpty()) {
                s.append(" (").append(t.path("lastError").asText()).append(')');
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** What Prometheus logged so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteTree(dir);
        }
    }

    private JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException(pathAndQuery + ": HTTP " + response.statusCode() + " "
                        + body.path("errorType").asText() + ": " + body.path("error").asText());
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException(pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(base.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(BINARY + " exited with " + process.exitValue() + " before it was ready");
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException(BINARY + " not ready within " + READY_TIMEOUT);
    }

    /** A port free a moment ago: the kernel's choice, closed for Prometheus to take. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
