package io.cpumapd.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import io.cpumapd.testkit.DaemonProcess;
import io.cpumapd.testkit.NetNamespace;
import java.nio.file.Files;
import io.cpumapd.testkit.DaemonConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starting a daemon for the filter tests: one RX worker on cpu 0 replaying a capture, a cpumap of
 * {@code max_entries} 2 with entries on cpu 0 and 1, the TAP moved into a namespace of the test.
 */
final class FilterDaemons {
    static final ObjectMapper JSON = new ObjectMapper();

    private FilterDaemons() {
    }

    /**
     * The YAML of a daemon replaying {@code pcap} ({@code infinite} adds {@code infinite_rx=1}) with
     * RX filter {@code filter} ({@code name}, {@code params}, optional {@code plugin_dir}) and both
     * entries running second-stage program {@code program}.
     */
    static String config(Path pcap, boolean infinite, String tap, Path socket, Map<String, Object> filter,
            String program) throws Exception {
        // YAML is a superset of JSON: the filter section as JSON needs no YAML quoting rules.
        return new DaemonConfig(socket).replay(pcap, infinite).filter(JSON.writeValueAsString(filter))
                .entry(0, 2048, program).entry(1, 2048, program).tap(tap).yaml();
    }

    static Map<String, Object> filter(String name, Map<String, String> params) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", name);
        f.put("params", params);
        return f;
    }

    static String tapName() {
        return "cpflt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** Starts the daemon of {@code yaml} (its socket must be {@code dir/label.sock}), waits for "ready", moves its TAP into {@code ns}. */
    static DaemonProcess start(Path dir, String label, String yaml, NetNamespace ns, String tap) throws Exception {
        Path config = dir.resolve(label + ".yaml");
        Files.writeString(config, yaml);
        Path socket = dir.resolve(label + ".sock");
        Files.deleteIfExists(socket);
        DaemonProcess d = DaemonProcess.start(config, socket, dir.resolve(label + ".log"));
        try {
            d.awaitLog("ready (pid", 60_000);
            ns.moveLink(tap);
            ns.exec("ip", "link", "set", tap, "up");
        } catch (Throwable t) {
            d.close();
            throw t;
        }
        return d;
    }

    /** The raw {@code stats} reply (counters since start). */
    static JsonNode stats(DaemonProcess d) throws Exception {
        try (ControlClient c = new ControlClient(d.socket(), Duration.ofSeconds(5))) {
            return c.call(Requests.create("stats"));
        }
    }

    /** Counter {@code field} of the RX worker. */
    static long rx(JsonNode stats, String field) {
        return stats.at("/rx/0/" + field).asLong();
    }

    /** Counter {@code field} of the enqueue block of {@code cpu}, 0 when it has none. */
    static long enqueue(JsonNode stats, int cpu, String field) {
        for (JsonNode n : stats.get("enqueue")) {
            if (n.get("cpu").asInt() == cpu) {
                return n.get(field).asLong();
            }
        }
        return 0;
    }

    /**
     * Waits until the RX worker has received {@code frames}, given each a verdict, and flushed every
     * redirect into the rings (the bulk queues flush at the end of a poll, after the rx counter moved).
     */
    static JsonNode awaitAllReceived(DaemonProcess d, long frames, long timeoutMs) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        JsonNode s = stats(d);
        while (System.currentTimeMillis() < end) {
            s = stats(d);
            long verdicts = rx(s, "aborted") + rx(s, "drop") + rx(s, "pass") + rx(s, "tx") + rx(s, "redirect");
            long rings = enqueue(s, 0, "enqueued") + enqueue(s, 0, "drops") + enqueue(s, 1, "enqueued")
                    + enqueue(s, 1, "drops");
            if (rx(s, "rx") >= frames && verdicts == rx(s, "rx") && rings == rx(s, "redirect")) {
                Thread.sleep(200); // nothing more may come: a finite capture ends here
                return stats(d);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the RX worker did not receive and settle " + frames + " frames within "
                + timeoutMs + " ms: " + s + "\n" + d.log());
    }

    static void assertStopsCleanly(DaemonProcess d) throws InterruptedException {
        int exit = d.terminate(60_000);
        assertThat(exit).as(d.log()).isZero();
        assertThat(d.log()).contains("mempool: full again");
    }
}
