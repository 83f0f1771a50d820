package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print packet rates every interval, as xdp-bench redirect-cpu does: a summary line, or with -e "
                + "per worker, enqueue, consumer (kthread), TAP queue and port.",
                "Rates are counter increases over the daemon's clock between two snapshots."})
public final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECONDS", defaultValue = "1",
            description = "Seconds between reports, fractions allowed (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Option(names = {"-e", "--extended"}, description = "Per worker, enqueue, consumer, TAP queue and port.")
    boolean extended;

    @Option(names = {"-c", "--count"}, paramLabel = "COUNT", description = "Stop after COUNT reports (default: until interrupted).")
    Integer count;

    @Override
    public Integer call() throws Exception {
        if (!(intervalSeconds > 0) || intervalSeconds > 86400) {
            throw new ParameterException(spec.commandLine(), "--interval must be above 0 and at most 86400 seconds");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        long intervalNs = (long) (intervalSeconds * 1e9);
        try (ControlClient client = control.client()) {
            JsonNode prev = client.call(Requests.create("stats"));
            long next = System.nanoTime() + intervalNs;
            for (int i = 0; count == null || i < count; i++) {
                // Deadlines on a fixed grid: the time a request takes does not stretch the interval.
                Thread.sleep(Duration.ofNanos(Math.max(0, next - System.nanoTime())));
                next += intervalNs;
                JsonNode cur = client.call(Requests.create("stats"));
                ObjectNode rates = StatsRates.between(prev, cur);
                if (control.jsonOutput()) {
                    control.printJson(out, rates);
                } else {
                    print(out, rates);
                }
                prev = cur;
            }
        }
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, ObjectNode r) {
        JsonNode s = r.path("summary");
        out.println(f("%-24s %,12.0f rx/s %,12.0f redirect/s %,12.0f err+drop/s %,12.0f enqueue pkt/s %,12.0f tap pkt/s",
                "Summary", d(s, "rx"), d(s, "redirect"), d(s, "err_drop"), d(s, "enqueue"), d(s, "tap")));
        if (extended) {
            for (JsonNode w : r.path("rx")) {
                out.println(f("  %-22s %,12.0f pkt/s  %,12.0f pass/s %,12.0f drop/s %,12.0f tx/s %,12.0f redir/s "
                        + "%,12.0f aborted/s", "receive " + Human.text(w, "worker") + " (cpu " + Human.text(w, "cpu") + ")",
                        d(w, "rx"), d(w, "pass"), d(w, "drop"), d(w, "tx"), d(w, "redirect"), d(w, "aborted")));
            }
            for (JsonNode e : r.path("enqueue")) {
                out.println(f("  %-22s %,12.0f pkt/s  %,12.0f drop/s %12.2f bulk-avg", "enqueue to cpu " + Human.text(e, "cpu"),
                        d(e, "enqueued"), d(e, "drops"), d(e, "bulk_avg")));
            }
            for (JsonNode c : r.path("consumers")) {
                out.println(f("  %-22s %,12.0f pkt/s  %,12.0f drop/s %,12.0f sched  %,12.0f pass/s %,12.0f drop/s "
                        + "%,12.0f redir/s %,12.0f err/s", "kthread cpu " + Human.text(c, "cpu"), d(c, "processed"),
                        d(c, "drops"), d(c, "sched"), d(c, "pass"), d(c, "drop"), d(c, "redirect"), d(c, "exceptions")));
            }
            for (JsonNode t : r.path("tap")) {
                out.println(f("  %-22s %,12.0f pkt/s  %,12.0f errors/s", "tap queue " + Human.text(t, "queue"),
                        d(t, "packets"), d(t, "errors")));
            }
            for (JsonNode p : r.path("ports")) {
                out.println(f("  %-22s %,12.0f rx pkt/s %,12.0f missed/s %,12.0f rx err/s %,12.0f tx pkt/s",
                        "port " + Human.text(p, "name"), d(p, "ipackets"), d(p, "imissed"),
                        d(p, "ierrors") + d(p, "rx_nombuf"), d(p, "opackets")));
            }
            JsonNode m = r.path("mempool");
            if (m.isObject()) {
                out.println(f("  %-22s %,12d of %,d mbufs in use", "mempool", m.path("in_use").asLong(), m.path("size").asLong()));
            }
        }
        out.flush();
    }

    private static double d(JsonNode node, String member) {
        return node.path(member).asDouble();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
