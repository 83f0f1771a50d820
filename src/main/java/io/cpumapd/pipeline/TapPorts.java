package io.cpumapd.pipeline;

import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.TapReturnCounter;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.tap.TapDevice;
import io.cpumapd.tap.TapOptions;
import io.cpumapd.worker.ReturnPath;
import io.cpumapd.worker.TapQueueOwners;
import io.cpumapd.worker.TapReturn;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's view of the ports: a TAP per port (the port's MAC unless configured, the port's MTU),
 * who reads each TAP queue ({@link TapQueueOwners}), the return-path counters of every reader ever
 * (retired readers folded into totals), and the carrier of each TAP following its port's link.
 * Control path.
 */
final class TapPorts implements AutoCloseable {
    private static final long LINK_POLL_MS = 500;

    private final List<ReturnPath.Tap> taps = new ArrayList<>();
    private final List<String> portNames = new ArrayList<>();
    private final TapDevice[] byPortId;
    private final int[] txQueues;
    private final int queues;
    private CounterGroup<TapReturnCounter> counters;
    private final boolean[] carrier;
    private final ScheduledExecutorService linkWatcher;
    private boolean initialized;

    /**
     * @param ports      the pipeline's ports, configured and started, in spec order
     * @param txQueuesOf TX queues set up on each port, by port id
     * @param mtus       the MTU of each port, in spec order
     */
    TapPorts(PipelineSpec spec, List<Port> ports, int[] txQueuesOf, int[] mtus, int queues) {
        int maxId = ports.stream().mapToInt(Port::id).max().orElse(0);
        byPortId = new TapDevice[maxId + 1];
        List<Integer> tx = new ArrayList<>();
        try {
            for (int i = 0; i < ports.size(); i++) {
                TapOptions options = spec.tapOf(i);
                if (options == null) {
                    continue;
                }
                Port port = ports.get(i);
                TapDevice tap = TapDevice.create(options.withQueues(queues).withDefaults(port.mac(), mtus[i]));
                byPortId[port.id()] = tap;
                taps.add(new ReturnPath.Tap(tap, port, new TapQueueOwners(tap.queueCount()), mtus[i],
                        port.sendsChains()));
                portNames.add(spec.ports().get(i).name());
                tx.add(txQueuesOf[port.id()]);
            }
        } catch (RuntimeException e) {
            closeTaps();
            throw e;
        }
        txQueues = tx.stream().mapToInt(Integer::intValue).toArray();
        this.queues = queues;
        carrier = new boolean[taps.size()];
        if (taps.isEmpty()) {
            linkWatcher = null;
        } else {
            followLinks();
            linkWatcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cpumapd-carrier");
                t.setDaemon(true);
                return t;
            });
            linkWatcher.scheduleWithFixedDelay(this::followLinks, LINK_POLL_MS, LINK_POLL_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Sets each TAP's carrier to its port's link state when it changed (and once at start). */
    private synchronized void followLinks() {
        for (int t = 0; t < taps.size(); t++) {
            ReturnPath.Tap tap = taps.get(t);
            try {
                boolean up = tap.port().link().up();
                if (up != carrier[t] || !initialized) {
                    tap.device().carrier(up);
                    carrier[t] = up;
                }
            } catch (RuntimeException e) {
                // A port or TAP going away at shutdown: nothing to follow any more.
            }
        }
        initialized = true;
    }

    boolean any() {
        return !taps.isEmpty();
    }

    /** The TAP of each DPDK port id (null where none): what {@code TapDelivery} injects into. */
    TapDevice[] byPortId() {
        return byPortId.clone();
    }

    /** The TAPs in port order. */
    List<TapDevice> devices() {
        return taps.stream().map(ReturnPath.Tap::device).toList();
    }

    List<String> portNames() {
        return List.copyOf(portNames);
    }

    /**
     * The return path of a hot thread, to build on that thread: its own queue {@code ownQueue} of
     * every TAP whose port it can send on with TX queue {@code lane}, plus the orphans if asked.
     */
    ReturnPath returnPath(int ownQueue, int lane, boolean orphans, Mempool pool, Arena arena) {
        return new ReturnPath(taps, txQueues, ownQueue, lane, orphans, pool, arena, this::register, this::retire);
    }

    /** The counter set the readers' blocks go into: row {@link #row(int, int)} of each (TAP, queue). */
    void counters(CounterGroup<TapReturnCounter> group) {
        this.counters = group;
    }

    /** Rows of the return-path counter set: one per queue of every TAP. */
    int rows() {
        return taps.size() * queues;
    }

    /** The metric labels of a row. */
    String[] rowTags(int row) {
        int t = row / queues;
        return new String[] {"tap", taps.get(t).device().name(), "port", portNames.get(t), "queue",
            Integer.toString(row % queues)};
    }

    int row(int tap, int queue) {
        return tap * queues + queue;
    }

    private void register(TapReturn r) {
        if (counters != null) {
            counters.register(r.counters(), row(index(r.tap()), r.queue()));
        }
    }

    private void retire(TapReturn r) {
        if (counters != null) {
            counters.retire(r.counters());
        }
    }

    private int index(TapDevice device) {
        for (int t = 0; t < taps.size(); t++) {
            if (taps.get(t).device() == device) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a TAP of this pipeline: " + device);
    }

    @Override
    public void close() {
        if (linkWatcher != null) {
            linkWatcher.shutdownNow();
            try {
                linkWatcher.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeTaps();
    }

    private void closeTaps() {
        for (ReturnPath.Tap t : taps) {
            t.device().close();
        }
    }
}
