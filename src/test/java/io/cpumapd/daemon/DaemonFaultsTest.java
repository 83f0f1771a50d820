package io.cpumapd.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.cli.ExitCodes;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.ControlException;
import io.cpumapd.control.DaemonUnreachableException;
import io.cpumapd.control.Requests;
import io.cpumapd.pcap.MixedTraffic;
import io.cpumapd.testkit.DaemonConfig;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.DaemonProcess.Cli;
import io.cpumapd.testkit.NetNamespace;
import io.cpumapd.testkit.NotifySocket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator or a client may do to a running daemon, each on the real process: files and
 * classes named over the control socket, updates the mempool cannot back or that loop, a flood of
 * control connections, SIGHUP with a good and a bad file, SIGTERM while a scrape loop and an update
 * loop run; and at start, a CPU set narrower than the configuration and a mempool too small for it.
 * Through all of it the RX worker keeps forwarding and the daemon ends in order, mempool full.
 */
class DaemonFaultsTest {
    @TempDir
    Path dir;

    private String yaml(Path pcap, String tap, Path socket, int metricsPort, String filter, String entries,
            String mempool) {
        return new DaemonConfig(socket).replay(pcap, true).filter(filter).tap(tap).metrics(metricsPort).yaml()
                .replace("entries: []", "entries: " + entries)
                .replace("mempool: {mbufs: 8191, cache: 64}", "mempool: " + mempool);
    }

    private Path capture() throws Exception {
        Path pcap = dir.resolve("mixed.pcap");
        new MixedTraffic(11).dstMac("02:00:00:00:00:02").writePcap(pcap, 300);
        return pcap;
    }

    private static long rx(DaemonProcess d) throws Exception {
        return FilterDaemons.rx(FilterDaemons.stats(d), "rx");
    }

    /** RX moves on: the data path still forwards. */
    private static void forwarding(DaemonProcess d, String when) throws Exception {
        long before = rx(d);
        Thread.sleep(300);
        assertThat(rx(d)).as("RX keeps receiving " + when).isGreaterThan(before + 1000);
    }

    private static void refused(Cli c, int exit, String errno, String... mentions) {
        assertThat(c.exit()).as(c.toString()).isEqualTo(exit);
        assertThat(c.err()).as(c.toString()).contains(errno).contains(mentions);
    }

    @Test
    void operatorAndClientFaultsLeaveTheDataPathForwardingAndTheStopOrdered() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("good.rules"), "drop proto=udp dport=9\n");
        Files.writeString(rules.resolve("bad.rules"), "root:x:0:0:s3cr3t-line:/root:/bin/bash\n");
        assertThat(new ProcessBuilder("mkfifo", rules.resolve("pipe").toString()).start().waitFor()).isZero();
        String tap = FilterDaemons.tapName();
        Path socket = dir.resolve("faults.sock");
        int metricsPort = DaemonEndToEndTest.freePort();
        Path pcap = capture();
        String filter = "{name: l4-hash, rules_dir: " + rules + "}";
        String entries = "[{cpu: 0, qsize: 2048}, {cpu: 1, qsize: 2048}]";
        Path config = dir.resolve("faults.yaml");
        Files.writeString(config, yaml(pcap, tap, socket, metricsPort, filter, entries, "{mbufs: 8191, cache: 64}"));
        try (NotifySocket notify = new NotifySocket(dir.resolve("notify.sock"));
                NetNamespace ns = NetNamespace.create("cpumapd-faults");
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("faults.log"), List.of(),
                        Map.of("NOTIFY_SOCKET", notify.path().toString()), List.of())) {
            d.awaitLog("ready (pid", 60_000);
            DaemonEndToEndTest.adoptTap(ns, tap);
            notify.await("READY=1", 5_000);
            forwarding(d, "after start");

            // Files over the control socket: only from rules_dir, only regular ones, never echoed.
            refused(d.cli("filter", "set", "acl", "--param", "rules=/etc/passwd"), ExitCodes.EFILTER, "EFILTER",
                    "filter.rules_dir");
            Cli bad = d.cli("filter", "set", "acl", "--param", "rules=bad.rules");
            refused(bad, ExitCodes.EFILTER, "EFILTER", "line 1", "not a valid rule");
            assertThat(bad.err()).doesNotContain("s3cr3t").doesNotContain("root:");
            long start = System.nanoTime();
            refused(d.cli("filter", "set", "acl", "--param", "rules=pipe"), ExitCodes.EFILTER, "EFILTER",
                    "not a regular file");
            assertThat(System.nanoTime() - start).as("a FIFO does not block the control thread").isLessThan(5_000_000_000L);
            refused(d.cli("filter", "set", "acl", "--param", "rules=../faults.yaml"), ExitCodes.EFILTER, "EFILTER",
                    "is not a file in filter.rules_dir");
            // A class of the class path is not a filter: its static initialiser must not run.
            refused(d.cli("filter", "set", "io.cpumapd.filter.NoTouchFilter"), ExitCodes.EFILTER, "EFILTER",
                    "unknown filter 'io.cpumapd.filter.NoTouchFilter'");
            assertThat(d.cli("filter", "set", "acl", "--param", "rules=good.rules", "--param", "default=redirect:0")
                    .exit()).isZero();
            forwarding(d, "with the ACL from rules_dir");

            // Updates the mempool cannot back, and second-stage redirect cycles.
            refused(d.cli("cpumap", "update", "1", "--qsize", "16000"), ExitCodes.SOFTWARE, "ENOMEM",
                    "cannot back a ring of 16000 slots");
            assertThat(d.cli("cpumap", "update", "0", "--qsize", "512", "--prog", "redirect", "--param", "cpu=1")
                    .exit()).isZero();
            refused(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "redirect", "--param", "cpu=0"),
                    ExitCodes.SOFTWARE, "ELOOP", "1 -> 0 -> 1");
            // An acl program names its redirect keys in its rules: the same cycle through a rule file is refused.
            refused(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "acl", "--param", "rules=good.rules",
                    "--param", "default=redirect:0"), ExitCodes.SOFTWARE, "ELOOP", "1 -> 0 -> 1");
            assertThat(d.cli("cpumap", "update", "0", "--qsize", "2048").exit()).isZero();
            forwarding(d, "after refused updates");

            // A flood of 1,000 control connections: the operator still gets answers, RX forwards.
            List<SocketChannel> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    flood.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
                }
                Thread.sleep(500);
                JsonNode status = DaemonEndToEndTest.json(d.cli("status", "-j"));
                assertThat(status.at("/control/connections").asInt()).isLessThanOrEqualTo(64);
                assertThat(status.at("/control/evicted_idle").asLong()).isGreaterThanOrEqualTo(1000 - 64);
                forwarding(d, "under 1,000 control connections");
            } finally {
                for (SocketChannel c : flood) {
                    c.close();
                }
            }

            // SIGHUP with a good file: filter and entries change live, restart-only keys are named.
            Files.writeString(config, yaml(pcap, tap, socket, metricsPort,
                    "{name: round-robin, rules_dir: " + rules + "}", "[{cpu: 0, qsize: 1024}, {cpu: 1, qsize: 512}]",
                    "{mbufs: 16383, cache: 64}"));
            d.signal("HUP");
            d.awaitLog("reload: reloaded " + config, 10_000);
            d.awaitLog("changed keys that need a restart, left as they are: mempool", 5_000);
            notify.await("RELOADING=1", 5_000);
            JsonNode shown = DaemonEndToEndTest.json(d.cli("filter", "show", "-j"));
            assertThat(shown.at("/name").asText()).isEqualTo("round-robin");
            JsonNode map = DaemonEndToEndTest.json(d.cli("cpumap", "show", "-j"));
            assertThat(map.at("/entries/0/qsize").asInt()).isEqualTo(1024);
            assertThat(map.at("/entries/1/qsize").asInt()).isEqualTo(512);
            assertThat(DaemonEndToEndTest.json(d.cli("status", "-j")).at("/mempool/size").asInt())
                    .as("the mempool needs a restart").isEqualTo(8191);
            forwarding(d, "after a reload");

            // SIGHUP and `cpumapd reload` with a bad file: nothing changes, the daemon runs on.
            Files.writeString(config, "eal: [unclosed\n");
            d.signal("HUP");
            d.awaitLog("; nothing changed", 10_000);
            Cli reload = d.cli("reload");
            refused(reload, ExitCodes.EINVAL, "EINVAL", "nothing changed");
            Files.writeString(config, yaml(pcap, tap, socket, metricsPort, filter,
                    "[{cpu: 0, qsize: 1024}, {cpu: 1, qsize: 1024}, {cpu: 0, qsize: 64}]", "{mbufs: 8191, cache: 64}"));
            refused(d.cli("reload"), ExitCodes.EINVAL, "EINVAL", "already has an entry");
            // A cycle through an acl program's rules (its default redirects to 0, 0 redirects to 1) is refused.
            Files.writeString(config, yaml(pcap, tap, socket, metricsPort, filter,
                    "[{cpu: 0, qsize: 1024, program: redirect, params: {cpu: '1'}}, {cpu: 1, qsize: 512, program: acl,"
                            + " params: {rules: '" + rules.resolve("good.rules") + "', default: 'redirect:0'}}]",
                    "{mbufs: 8191, cache: 64}"));
            Cli loop = d.cli("reload");
            assertThat(loop.exit()).as(loop.toString()).isNotZero();
            assertThat(loop.err()).as(loop.toString()).contains("ELOOP").contains("cycle");
            assertThat(DaemonEndToEndTest.json(d.cli("cpumap", "show", "-j")).at("/entries/0/program").asText())
                    .as("nothing changed").isNotEqualTo("redirect");
            assertThat(DaemonEndToEndTest.json(d.cli("filter", "show", "-j")).at("/name").asText())
                    .isEqualTo("round-robin");
            forwarding(d, "after refused reloads");

            // SIGTERM while a scrape loop and an update loop run: both see answers or clean refusals.
            AtomicBoolean done = new AtomicBoolean();
            AtomicBoolean stopping = new AtomicBoolean();
            AtomicLong scrapes = new AtomicLong();
            AtomicLong updates = new AtomicLong();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            Thread scraper = Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + metricsPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            scrapes.incrementAndGet();
                        } else if (r.statusCode() != 503) {
                            wrong.add("scrape " + r.statusCode() + ": " + r.body());
                        }
                    } catch (java.io.IOException e) {
                        // refused once the endpoint is closed: expected
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            Thread updater = Thread.ofPlatform().start(() -> {
                for (int i = 0; !done.get(); i++) {
                    try (ControlClient c = new ControlClient(socket, Duration.ofSeconds(10))) {
                        c.call(Requests.create("cpumap.update").put("cpu", 1).put("qsize", 256 << (i % 2)));
                        updates.incrementAndGet();
                    } catch (ControlException e) {
                        // ESHUTDOWN, or, once the stop began, the socket closing under a request (EIO: a
                        // connection still in the listener's backlog when it closes gets no answer)
                        boolean closingUnder = e.errno().equals(ControlException.EIO) && stopping.get();
                        if (!e.errno().equals(ControlException.ESHUTDOWN) && !closingUnder) {
                            wrong.add("update: " + e.errno() + " " + e.getMessage());
                        }
                    } catch (DaemonUnreachableException e) {
                        // gone: expected at the very end
                    }
                }
            });
            long running = System.nanoTime() + 20_000_000_000L;
            while ((scrapes.get() < 2 || updates.get() < 2) && System.nanoTime() < running) {
                Thread.sleep(50);
            }
            assertThat(scrapes.get()).isGreaterThanOrEqualTo(2);
            assertThat(updates.get()).isGreaterThanOrEqualTo(2);
            stopping.set(true);
            d.process().destroy();
            boolean exited = d.process().waitFor(30, TimeUnit.SECONDS);
            done.set(true);
            scraper.join(10_000);
            updater.join(10_000);
            assertThat(exited).as(d.log()).isTrue();
            assertThat(d.process().exitValue()).as(d.log()).isZero();
            assertThat(wrong).as(d.log()).isEmpty();
            String log = d.log();
            assertThat(log).contains("metrics: stopped answering").contains("mempool: full again");
            assertThat(log.indexOf("metrics: stopped answering")).isLessThan(log.indexOf("rx: stopped"));
            assertThat(log.indexOf("control: requests in progress done")).isLessThan(log.indexOf("rx: stopped"));
            notify.await("STOPPING=1", 1_000);
            assertThat(Files.exists(socket)).as("the control socket is removed").isFalse();
        }
    }

    @Test
    void aNarrowerCpuSetAndATooSmallMempoolAreRefusedAtStartAndUpdate() throws Exception {
        Path pcap = capture();
        String tap = FilterDaemons.tapName();
        Path socket = dir.resolve("cpus.sock");
        List<String> cpu0 = List.of("taskset", "-c", "0");

        Path both = dir.resolve("both.yaml");
        Files.writeString(both, yaml(pcap, tap, socket, 0, "{name: l4-hash}", "[{cpu: 0, qsize: 512}, {cpu: 1, qsize: 512}]",
                "{mbufs: 8191, cache: 64}"));
        DaemonProcess narrowed = DaemonProcess.start(both, socket, dir.resolve("narrowed.log"), cpu0, Map.of(), List.of());
        assertThat(narrowed.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(narrowed.process().exitValue()).as(narrowed.log()).isEqualTo(ExitCodes.CONFIG);
        assertThat(narrowed.log()).contains("cpumap.entries[1].cpu: CPU 1 is not in this process's CPU set (allowed: 0;");

        Path small = dir.resolve("small.yaml");
        Files.writeString(small, yaml(pcap, tap, socket, 0, "{name: l4-hash}", "[{cpu: 0, qsize: 4096}]",
                "{mbufs: 2047, cache: 256}"));
        DaemonProcess tooSmall = DaemonProcess.start(small, socket, dir.resolve("small.log"));
        assertThat(tooSmall.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tooSmall.process().exitValue()).as(tooSmall.log()).isEqualTo(ExitCodes.CONFIG);
        assertThat(tooSmall.log()).contains("mempool.mbufs: 2047 mbufs cannot back this configuration (");

        Path one = dir.resolve("one.yaml");
        Files.writeString(one, yaml(pcap, tap, socket, 0, "{name: l4-hash}", "[{cpu: 0, qsize: 512}]",
                "{mbufs: 8191, cache: 64}"));
        try (NetNamespace ns = NetNamespace.create("cpumapd-cpus");
                DaemonProcess d = DaemonProcess.start(one, socket, dir.resolve("one.log"), cpu0, Map.of(), List.of())) {
            d.awaitLog("ready (pid", 60_000);
            DaemonEndToEndTest.adoptTap(ns, tap);
            refused(d.cli("cpumap", "update", "1", "--qsize", "64"), ExitCodes.ENODEV, "ENODEV",
                    "not in this process's CPU set (0)");
            forwarding(d, "under taskset -c 0");
            FilterDaemons.assertStopsCleanly(d);
        }
    }

    @Test
    void sigtermWithAFilterThatNeverReturnsEndsInBoundedTimeNamingTheThread() throws Exception {
        Path plugins = FaultPlugins.build(dir);
        Path pcap = capture();
        String tap = FilterDaemons.tapName();
        Path socket = dir.resolve("spin.sock");
        Path config = dir.resolve("spin.yaml");
        Files.writeString(config, yaml(pcap, tap, socket, 0, "{name: spin, plugin_dir: " + plugins + "}",
                "[{cpu: 1, qsize: 512}]", "{mbufs: 8191, cache: 64}"));
        try (DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("spin.log"), List.of(), Map.of(),
                List.of("-Dcpumapd.stop.timeout.seconds=3"))) {
            d.awaitLog("ready (pid", 60_000);
            Thread.sleep(300); // the RX worker is inside the filter now, for ever
            long start = System.nanoTime();
            d.process().destroy();
            assertThat(d.process().waitFor(30, TimeUnit.SECONDS)).as(d.log()).isTrue();
            assertThat(d.process().exitValue()).as(d.log()).isEqualTo(ExitCodes.STUCK);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(d.log()).contains("shutdown gave up after 3 s: rx0 (filter spin) did not stop");
            assertThat(Files.exists(socket)).as("the control socket is removed").isFalse();
        }
    }

    private static JsonNode hotThread(DaemonProcess d, String prefix) throws Exception {
        for (JsonNode t : DaemonEndToEndTest.json(d.cli("status", "-j")).at("/hot_threads")) {
            if (t.path("name").asText().startsWith(prefix)) {
                return t;
            }
        }
        throw new AssertionError("no hot thread " + prefix);
    }

    private static String scrape(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long consumerProcessed(DaemonProcess d, int cpu) throws Exception {
        for (JsonNode c : FilterDaemons.stats(d).get("consumers")) {
            if (c.get("cpu").asInt() == cpu) {
                return c.get("processed").asLong();
            }
        }
        return 0;
    }

    @Test
    void filtersAndProgramsThatThrowEndTheirThreadOrStallCostOnlyThemselves() throws Exception {
        Path plugins = FaultPlugins.build(dir);
        Path pcap = capture();
        String tap = FilterDaemons.tapName();
        Path socket = dir.resolve("sup.sock");
        Path config = dir.resolve("sup.yaml");
        int metricsPort = DaemonEndToEndTest.freePort();
        Files.writeString(config, yaml(pcap, tap, socket, metricsPort,
                "{name: throws-error, params: {every: '10'}, plugin_dir: " + plugins + "}",
                "[{cpu: 0, qsize: 2048}, {cpu: 1, qsize: 2048}]", "{mbufs: 8191, cache: 64}"));
        try (NetNamespace ns = NetNamespace.create("cpumapd-sup");
                DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve("sup.log"), List.of(), Map.of(),
                        List.of("-Dcpumapd.stall.after.ms=500", "-Dcpumapd.stop.timeout.seconds=3"))) {
            d.awaitLog("ready (pid", 60_000);
            DaemonEndToEndTest.adoptTap(ns, tap);

            // An RX filter throwing AssertionError on every 10th packet: those are aborted and counted.
            forwarding(d, "while the filter throws Errors");
            JsonNode s = FilterDaemons.stats(d);
            long rx = FilterDaemons.rx(s, "rx");
            assertThat(FilterDaemons.rx(s, "exceptions")).as("%s", s).isBetween(rx / 10 - 100, rx / 10 + 100);
            assertThat(scrape(metricsPort)).containsPattern("cpumapd_rx_exceptions_total\\{[^}]*} [1-9]");

            // A consumer program throwing StackOverflowError on every packet: entry 0 forwards on.
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "throws-always").exit()).isZero();
            long before0 = consumerProcessed(d, 0);
            Thread.sleep(500);
            JsonNode after = FilterDaemons.stats(d);
            assertThat(consumerProcessed(d, 0)).isGreaterThan(before0);
            assertThat(after.at("/consumers/1/exceptions").asLong()).as("%s", after).isPositive();

            // A program that ends its thread (it interrupts it; Agrona's loop then ends at the next empty
            // poll): the consumer is restarted within a second, counted, logged once.
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "interrupts").exit()).isZero();
            d.awaitLog("ended by itself (program interrupts); restarting it", 5_000);
            assertThat(d.log()).containsPattern("supervisor: cpumap/1/map:\\d+ ended by itself");
            long before1 = consumerProcessed(d, 1);
            Thread.sleep(500);
            assertThat(consumerProcessed(d, 1)).as("the restarted consumer consumes").isGreaterThan(before1);
            assertThat(scrape(metricsPort)).contains("cpumapd_hot_thread_restarts_total{thread=\"cpumap/1\"} 1.0");
            forwarding(d, "after a consumer's restart");

            // A program that never returns: its consumer is reported stalled, the rest forwards.
            assertThat(d.cli("cpumap", "update", "1", "--qsize", "512", "--prog", "spin").exit()).isZero();
            long end = System.nanoTime() + 10_000_000_000L;
            while (!hotThread(d, "cpumap/1/").path("stalled").asBoolean() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            JsonNode stalled = hotThread(d, "cpumap/1/");
            assertThat(stalled.path("stalled").asBoolean()).as("%s", stalled).isTrue();
            assertThat(stalled.path("work").asText()).isEqualTo("program spin");
            assertThat(hotThread(d, "rx0").path("stalled").asBoolean()).isFalse();
            assertThat(d.log()).contains("stalled: no poll finished for 500 ms (program spin)");
            assertThat(scrape(metricsPort)).contains("cpumapd_hot_thread_stalled{thread=\"cpumap/1\"} 1.0");
            forwarding(d, "beside a stalled consumer");
            before0 = consumerProcessed(d, 0);
            Thread.sleep(300);
            assertThat(consumerProcessed(d, 0)).as("entry 0 keeps consuming").isGreaterThan(before0);

            // The stuck consumer cannot be stopped: the stop gives up in bounded time and names it.
            d.process().destroy();
            assertThat(d.process().waitFor(30, TimeUnit.SECONDS)).as(d.log()).isTrue();
            assertThat(d.process().exitValue()).as(d.log()).isEqualTo(ExitCodes.STUCK);
            assertThat(d.log()).containsPattern("shutdown gave up after 3 s: cpumap/1/map:\\d+ \\(program spin\\) did not stop;");
        }
    }
}
