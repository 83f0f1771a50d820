package io.cpumapd.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.cpumap.Redirector;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Port;
import io.cpumapd.dpdk.PortStats;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;
import io.cpumapd.worker.RxWorker;
import java.util.Map;

/** The JSON of {@code status}, {@code stats} and {@code cpumap show} (docs/control-protocol.md). */
final class Snapshots {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Snapshots() {
    }

    static ObjectNode entry(CpuMap.EntryInfo e) {
        return JSON.objectNode().put("cpu", e.cpu()).put("qsize", e.qsize()).put("entry_id", e.entryId())
                .put("program", e.program());
    }

    static ObjectNode cpumap(Pipeline p) {
        ObjectNode out = JSON.objectNode().put("max_entries", p.map().maxEntries());
        ArrayNode entries = out.putArray("entries");
        p.map().entries().forEach(e -> entries.add(entry(e)));
        return out;
    }

    static ObjectNode filter(FilterState f) {
        ObjectNode out = JSON.objectNode().put("name", f.name());
        ObjectNode params = out.putObject("params");
        f.params().forEach(params::put);
        ArrayNode targets = out.putArray("targets");
        for (int t : f.targets()) {
            targets.add(t);
        }
        return out.put("swaps", f.swaps());
    }

    private static ObjectNode portCounters(ObjectNode o, PortStats s) {
        return o.put("ipackets", s.rxPackets()).put("ibytes", s.rxBytes()).put("imissed", s.rxMissed())
                .put("ierrors", s.rxErrors()).put("rx_nombuf", s.rxNoMbuf()).put("opackets", s.txPackets())
                .put("obytes", s.txBytes()).put("oerrors", s.txErrors());
    }

    static ObjectNode status(Daemon d) {
        Pipeline p = d.pipeline();
        ObjectNode out = JSON.objectNode().put("version", Version.VERSION).put("dpdk_version", Eal.version())
                .put("pid", ProcessHandle.current().pid())
                .put("uptime_seconds", Math.round(d.uptimeSeconds() * 10) / 10.0);
        ArrayNode ports = out.putArray("ports");
        for (Map.Entry<String, Port> e : p.ports().entrySet()) {
            Port port = e.getValue();
            Port.Link link = port.link();
            ObjectNode o = ports.addObject().put("name", e.getKey()).put("device", port.name()).put("id", port.id())
                    .put("link_up", link.up()).put("link_speed_mbps", link.speedMbps());
            p.spec().ports().stream().filter(s -> s.name().equals(e.getKey())).findFirst()
                    .ifPresent(s -> o.put("rx_queues", s.rxQueues()));
            o.put("tx_queues", p.txQueues(e.getValue()));
            portCounters(o, port.stats());
        }
        ArrayNode workers = out.putArray("workers");
        for (var w : p.spec().workers()) {
            ObjectNode o = workers.addObject().put("name", w.name()).put("cpu", w.cpu())
                    .put("mode", w.skbMode() ? "skb" : "native");
            ArrayNode qs = o.putArray("queues");
            w.queues().forEach(q -> qs.add(q.port() + "/" + q.queue()));
        }
        out.set("filter", filter(d.filters()));
        out.set("cpumap", cpumap(p));
        out.putObject("consumer").put("batch", p.spec().batch()).put("idle", p.spec().idle());
        if (p.tap() != null) {
            out.putObject("tap").put("name", p.tap().name()).put("queues", p.tap().queueCount());
        } else {
            out.putNull("tap");
        }
        out.putObject("mempool").put("size", p.mempool().size()).put("in_use", p.mempool().inUse());
        if (d.control() != null) {
            out.putObject("control").put("connections", d.control().connections())
                    .put("refused_busy", d.control().refusedConnections())
                    .put("evicted_idle", d.control().evictedConnections())
                    .put("request_timeouts", d.control().timedOutRequests());
        }
        if (d.metricsUrl() != null) {
            out.put("metrics", d.metricsUrl());
        } else {
            out.putNull("metrics");
        }
        return out;
    }

    static ObjectNode stats(Pipeline p) {
        ObjectNode out = JSON.objectNode().put("time_ns", System.nanoTime());
        ArrayNode rx = out.putArray("rx");
        for (int i = 0; i < p.workers().size(); i++) {
            RxWorker w = p.workers().get(i);
            ObjectNode o = rx.addObject().put("worker", w.roleName()).put("cpu", w.cpu());
            for (RxCounter c : RxCounter.ALL) {
                o.put(c.label(), w.counter(c));
            }
        }
        ArrayNode enqueue = out.putArray("enqueue");
        ArrayNode consumers = out.putArray("consumers");
        for (int k = 0; k < p.map().maxEntries(); k++) {
            if (!p.everHadEntry(k)) {
                continue;
            }
            enqueue.addObject().put("cpu", k).put("enqueued", p.target(k, Redirector.ENQUEUED))
                    .put("drops", p.target(k, Redirector.DROPS)).put("bulk_calls", p.target(k, Redirector.BULK_CALLS)).put("ring_used", p.ringUsed(k))
                    .put("ring_capacity", p.ringCapacity(k));
            ObjectNode c = consumers.addObject().put("cpu", k);
            for (ConsumerCounter cc : ConsumerCounter.ALL) {
                c.put(cc.label(), p.consumer(k, cc));
            }
        }
        ArrayNode tap = out.putArray("tap");
        for (int q = 0; q < p.tapQueues(); q++) {
            tap.addObject().put("queue", q).put("packets", p.tapPackets(q)).put("bytes", p.tapBytes(q))
                    .put("errors", p.tapErrors(q));
        }
        ArrayNode ports = out.putArray("ports");
        for (Map.Entry<String, Port> e : p.ports().entrySet()) {
            portCounters(ports.addObject().put("name", e.getKey()), e.getValue().stats());
        }
        out.putObject("mempool").put("size", p.mempool().size()).put("in_use", p.mempool().inUse());
        return out;
    }
}
