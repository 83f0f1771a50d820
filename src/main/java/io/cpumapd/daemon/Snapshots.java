package io.cpumapd.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterDescriptor;
import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.counters.TapReturnCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Port;
import io.cpumapd.dpdk.PortStats;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.worker.RxWorker;
import java.util.Map;

/** The JSON of {@code status}, {@code stats} and {@code cpumap show} (docs/control-protocol.md). */
final class Snapshots {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Snapshots() {
    }

    static ObjectNode entry(CpuMap.EntryInfo e) {
        return JSON.objectNode().put("cpu", e.cpu()).put("qsize", e.qsize()).put("entry_id", e.entryId())
                .put("program", e.program()).put("gro", e.gro());
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
                    .put("mode", w.skbMode() ? "skb" : "native").put("idle", p.spec().rxIdle(w));
            ArrayNode qs = o.putArray("queues");
            w.queues().forEach(q -> qs.add(q.port() + "/" + q.queue()));
        }
        out.set("filter", filter(d.filters()));
        ObjectNode map = cpumap(p);
        map.put("retirements_pending", p.map().retirementsPending());
        map.put("rings_deferred", p.map().ringsDeferred());
        ArrayNode stuck = map.putArray("retirements_stuck");
        p.stuckRetirements().forEach(stuck::add);
        out.set("cpumap", map);
        out.putObject("consumer").put("batch", p.spec().batch()).put("idle", p.spec().idle());
        if (p.tap() != null) {
            out.putObject("tap").put("name", p.tap().name()).put("queues", p.tap().queueCount());
        } else {
            out.putNull("tap");
        }
        ArrayNode taps = out.putArray("taps");
        for (int t = 0; t < p.taps().size(); t++) {
            var tap = p.taps().get(t);
            taps.addObject().put("name", tap.name()).put("port", p.tapPortNames().get(t)).put("queues", tap.queueCount())
                    .put("offloads", tap.offloads());
        }
        out.putObject("mempool").put("size", p.mempool().size()).put("in_use", p.mempool().inUse());
        ArrayNode hot = out.putArray("hot_threads");
        for (Pipeline.HotThread t : p.hotThreads()) {
            hot.addObject().put("name", t.name()).put("cpu", t.cpu()).put("work", t.work()).put("polls", t.polls())
                    .put("stalled", t.stalled());
        }
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
        CounterRegistry counters = p.counters();
        ObjectNode out = JSON.objectNode().put("time_ns", System.nanoTime());
        ArrayNode rx = out.putArray("rx");
        for (int i = 0; i < p.workers().size(); i++) {
            RxWorker w = p.workers().get(i);
            fields(rx.addObject().put("worker", w.roleName()).put("cpu", w.cpu()),
                    counters.group(RxCounter.class), i);
        }
        ArrayNode enqueue = out.putArray("enqueue");
        ArrayNode consumers = out.putArray("consumers");
        for (int k = 0; k < p.map().maxEntries(); k++) {
            if (!p.everHadEntry(k)) {
                continue;
            }
            fields(enqueue.addObject().put("cpu", k), counters.group(EnqueueCounter.class), k)
                    .put("ring_used", p.ringUsed(k)).put("ring_capacity", p.ringCapacity(k));
            fields(consumers.addObject().put("cpu", k), counters.group(ConsumerCounter.class), k);
        }
        ArrayNode tap = out.putArray("tap");
        for (int q = 0; q < p.tapQueues(); q++) {
            fields(tap.addObject().put("queue", q), counters.group(TapCounter.class), q);
        }
        // The return path: what each TAP queue's readers took from the kernel and what became of it.
        ArrayNode back = out.putArray("tap_return");
        CounterGroup<TapReturnCounter> returns = counters.group(TapReturnCounter.class);
        for (int row = 0; row < returns.rows(); row++) {
            String[] tags = returns.rowTags(row); // tap, name, port, name, queue, number
            fields(back.addObject().put("tap", tags[1]).put("port", tags[3]).put("queue", Integer.parseInt(tags[5])),
                    returns, row);
        }
        ArrayNode ports = out.putArray("ports");
        for (Map.Entry<String, Port> e : p.ports().entrySet()) {
            portCounters(ports.addObject().put("name", e.getKey()), e.getValue().stats());
        }
        out.putObject("mempool").put("size", p.mempool().size()).put("in_use", p.mempool().inUse());
        return out;
    }

    /** The row's counters that have a {@code stats} field, under their descriptors' labels. */
    private static <E extends Enum<E> & CounterDescriptor> ObjectNode fields(ObjectNode o, CounterGroup<E> g,
            int row) {
        long[] values = g.row(row);
        for (E d : g.descriptors()) {
            if (d.label() != null) {
                o.put(d.label(), values[d.ordinal()]);
            }
        }
        return o;
    }
}
