package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.Requests;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show the running daemon: versions, ports, workers, filter, cpumap, TAP, mempool, metrics.")
public final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Override
    public Integer call() throws Exception {
        return control.callAndPrint(spec, Requests.create("status"), StatusCommand::print);
    }

    private static void print(PrintWriter out, JsonNode s) {
        out.println("cpumapd " + Human.text(s, "version") + ", pid " + Human.text(s, "pid") + ", up "
                + Human.uptime(s.path("uptime_seconds")) + ", " + Human.text(s, "dpdk_version"));
        TextTable about = new TextTable("", "");
        about.row("filter", Human.filter(s.path("filter")));
        about.row("consumer", "batch " + Human.text(s.path("consumer"), "batch") + ", idle "
                + Human.text(s.path("consumer"), "idle"));
        about.row("tap", Human.text(s.path("tap"), "name") + ", " + Human.text(s.path("tap"), "queues") + " queues");
        about.row("mempool", Human.text(s.path("mempool"), "in_use") + " of " + Human.text(s.path("mempool"), "size")
                + " mbufs in use");
        about.row("metrics", Human.text(s, "metrics"));
        about.print(out);

        out.println();
        TextTable ports = new TextTable("PORT", "ID", "DEVICE", "LINK", "SPEED", "RXQ", "TXQ", "IPACKETS", "IBYTES",
                "IMISSED", "IERRORS", "RX_NOMBUF", "OPACKETS", "OBYTES", "OERRORS");
        for (JsonNode p : s.path("ports")) {
            ports.row(Human.text(p, "name"), Human.num(p, "id"), Human.text(p, "device"),
                    p.path("link_up").asBoolean(false) ? "up" : "down", Human.speed(p), Human.num(p, "rx_queues"),
                    Human.num(p, "tx_queues"), Human.num(p, "ipackets"), Human.num(p, "ibytes"),
                    Human.num(p, "imissed"), Human.num(p, "ierrors"), Human.num(p, "rx_nombuf"),
                    Human.num(p, "opackets"), Human.num(p, "obytes"), Human.num(p, "oerrors"));
        }
        ports.print(out);

        out.println();
        TextTable workers = new TextTable("WORKER", "CPU", "QUEUES");
        for (JsonNode w : s.path("workers")) {
            List<String> queues = new ArrayList<>();
            w.path("queues").forEach(q -> queues.add(q.asText()));
            workers.row(Human.text(w, "name"), Human.num(w, "cpu"), queues.isEmpty() ? "-" : String.join(" ", queues));
        }
        workers.print(out);

        out.println();
        Human.entries(out, s.path("cpumap"));
    }
}
