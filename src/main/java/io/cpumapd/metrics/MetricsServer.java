package io.cpumapd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import net.openhft.affinity.Affinity;

/**
 * The Prometheus scrape endpoint: {@code GET /metrics} on the JDK's {@link HttpServer}. One
 * endpoint with content negotiation and gzip does not need a web framework, and the JDK server
 * lets us choose its threads (the Prometheus client's own exporter would also do, with a
 * dependency more and no say over the dispatcher thread).
 *
 * <ul>
 *   <li>{@code Accept: application/openmetrics-text} (what Prometheus sends) gets OpenMetrics 1.0,
 *       anything else the Prometheus text format 0.0.4;
 *   <li>{@code Accept-Encoding: gzip} gets a gzip body;
 *   <li>other paths get 404, other methods than GET and HEAD 405.
 * </ul>
 *
 * Threads: the server's dispatcher and at most two handler threads, all platform threads. They
 * inherit the affinity of the thread that creates them, and after {@code rte_eal_init} the main
 * thread is pinned to the main lcore: pass the housekeeping cpus to
 * {@link #start(String, int, PrometheusMeterRegistry, BitSet)} to keep scrapes off the hot cores.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final int HANDLER_THREADS = 2;
    /** Scrapes waiting for a handler thread; beyond that the dispatcher thread serves them itself. */
    private static final int QUEUED_SCRAPES = 16;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final PrometheusMeterRegistry registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(HttpServer server, ThreadPoolExecutor executor, PrometheusMeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    /** Starts serving {@code registry}; the threads keep the affinity of the calling thread. */
    public static MetricsServer start(String bindAddress, int port, PrometheusMeterRegistry registry)
            throws IOException {
        return start(bindAddress, port, registry, null);
    }

    /**
     * Starts serving {@code registry} on {@code bindAddress:port} (port 0: any free port, see
     * {@link #port()}), its threads confined to {@code cpus} (null: the calling thread's affinity).
     *
     * @throws BindException "metrics: cannot listen on 127.0.0.1:9477: address already in use", and the like
     */
    public static MetricsServer start(String bindAddress, int port, PrometheusMeterRegistry registry, BitSet cpus)
            throws IOException {
        String where = hostPort(bindAddress, port);
        InetSocketAddress address = new InetSocketAddress(bindAddress, port);
        if (address.isUnresolved()) {
            throw new IOException("metrics: cannot listen on " + where + ": unknown host");
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (BindException e) {
            String reason = e.getMessage() == null ? "cannot bind" : e.getMessage().toLowerCase(Locale.ROOT);
            BindException clear = new BindException("metrics: cannot listen on " + where + ": "
                    + (reason.contains("in use") ? "address already in use" : reason));
            clear.initCause(e);
            throw clear;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_SCRAPES), task -> {
                    Thread t = new Thread(() -> {
                        confine(cpus);
                        task.run();
                    }, "metrics-http-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        MetricsServer metrics = new MetricsServer(server, executor, registry);
        server.createContext("/", metrics::handle);
        server.setExecutor(executor);
        startConfined(server, cpus);
        return metrics;
    }

    /** The port listened on: the one asked for, or the one the kernel chose for port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port/metrics}. */
    public URI uri() {
        return URI.create("http://" + hostPort(server.getAddress().getAddress().getHostAddress(), port()) + PATH);
    }

    /** Stops listening and waits (briefly) for scrapes in progress: afterwards none reads the registry. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
            String method = exchange.getRequestMethod();
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                sendPlain(exchange, 404, "not found: only " + PATH + " is served\n");
                return;
            }
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                sendPlain(exchange, 405, "method not allowed: use GET\n");
                return;
            }
            String contentType = wantsOpenMetrics(exchange.getRequestHeaders().getFirst("Accept"))
                    ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_TEXT;
            boolean gzip = acceptsGzip(exchange.getRequestHeaders().getFirst("Accept-Encoding"));
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Vary", "Accept, Accept-Encoding");
            if (gzip) {
                exchange.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            if (head) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            byte[] body;
            try {
                body = scrape(contentType, gzip);
            } catch (RuntimeException e) {
                exchange.getResponseHeaders().remove("Content-Encoding");
                sendPlain(exchange, 500, "scrape failed: " + e + "\n");
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private byte[] scrape(String contentType, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        if (gzip) {
            try (GZIPOutputStream zip = new GZIPOutputStream(bytes)) {
                registry.scrape(zip, contentType);
            }
        } else {
            registry.scrape(bytes, contentType);
        }
        return bytes.toByteArray();
    }

    private static void sendPlain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** True when the client ranks OpenMetrics (q &gt; 0) at least as high as plain text. */
    static boolean wantsOpenMetrics(String accept) {
        if (accept == null) {
            return false;
        }
        double openMetrics = 0;
        double text = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = quality(parts);
            if (type.equals("application/openmetrics-text")) {
                openMetrics = Math.max(openMetrics, q);
            } else if (type.equals("text/plain") || type.equals("text/*") || type.equals("*/*")) {
                text = Math.max(text, q);
            }
        }
        return openMetrics > 0 && openMetrics >= text;
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.split(";");
            if (parts[0].strip().equalsIgnoreCase("gzip") && quality(parts) > 0) {
                return true;
            }
        }
        return false;
    }

    private static double quality(String[] parameters) {
        for (int i = 1; i < parameters.length; i++) {
            String p = parameters[i].strip();
            if (p.startsWith("q=")) {
                try {
                    return Double.parseDouble(p.substring(2));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    private static void confine(BitSet cpus) {
        if (cpus != null && !cpus.isEmpty()) {
            Affinity.setAffinity(cpus);
        }
    }

    /**
     * {@link HttpServer#start()} creates the dispatcher thread, which inherits the affinity of
     * the thread that calls it: call it from a short-lived thread that is confined first.
     */
    private static void startConfined(HttpServer server, BitSet cpus) {
        if (cpus == null || cpus.isEmpty()) {
            server.start();
            return;
        }
        Thread starter = new Thread(() -> {
            confine(cpus);
            server.start();
        }, "metrics-http-start");
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.stop(0);
            throw new IllegalStateException("interrupted while starting the metrics server", e);
        }
    }
}
