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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * Threads and limits, so that slow or many clients cannot stall scrapes: each exchange (reading the
 * request, writing the response) runs on a virtual thread of its own, so a half-sent request or a
 * client that does not read blocks only that thread; the JDK server closes an exchange whose request
 * has not arrived within {@link #MAX_REQUEST_SECONDS} or whose response has not gone out within
 * {@link #MAX_RESPONSE_SECONDS}, and accepts at most {@link #MAX_CONNECTIONS} connections. The scrape
 * itself (reading every counter, formatting) runs on one platform thread, {@code metrics-scrape}: at most
 * one at a time, and confined like the dispatcher. Platform threads inherit the affinity of the thread
 * that creates them, and after {@code rte_eal_init} the main thread is pinned to the main lcore: pass the
 * housekeeping cpus to {@link #start(String, int, PrometheusMeterRegistry, BitSet)} to keep scrapes off
 * the hot cores.
 */
public final class MetricsServer implements AutoCloseable {
    public static final String PATH = "/metrics";
    static final String CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_RESPONSE_SECONDS = 10;
    static final int MAX_CONNECTIONS = 64;
    /** How long a scrape waits for the scrape thread before it answers 503. */
    private static final long SCRAPE_WAIT_SECONDS = 10;

    static {
        // The JDK server reads these once, when its first instance is made; an operator's -D wins.
        setDefault("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        setDefault("sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS));
        setDefault("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ThreadPoolExecutor scraper;
    private final PrometheusMeterRegistry registry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsServer(HttpServer server, ExecutorService executor, ThreadPoolExecutor scraper,
            PrometheusMeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.scraper = scraper;
        this.registry = registry;
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
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
        // Scrapes queue for the one scrape thread; connections (at most MAX_CONNECTIONS) bound the queue.
        ThreadPoolExecutor scraper = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread t = new Thread(() -> {
                        confine(cpus);
                        task.run();
                    }, "metrics-scrape");
                    t.setDaemon(true);
                    return t;
                });
        scraper.allowCoreThreadTimeOut(true);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-http-", 0)
                .factory());
        MetricsServer metrics = new MetricsServer(server, executor, scraper, registry);
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
        scraper.shutdown();
        try {
            // A scrape in progress finishes; exchanges stuck on a slow client are cut (their sockets are closed).
            scraper.awaitTermination(5, TimeUnit.SECONDS);
            executor.shutdownNow();
            executor.awaitTermination(1, TimeUnit.SECONDS);
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
                body = scraper.submit(() -> scrape(contentType, gzip)).get(SCRAPE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                exchange.getResponseHeaders().remove("Content-Encoding");
                sendPlain(exchange, 503, "stopping\n");
                return;
            } catch (TimeoutException e) {
                exchange.getResponseHeaders().remove("Content-Encoding");
                sendPlain(exchange, 503, "scrape busy for more than " + SCRAPE_WAIT_SECONDS + " s\n");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                exchange.getResponseHeaders().remove("Content-Encoding");
                sendPlain(exchange, 500, "scrape failed: " + e.getCause() + "\n");
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
