package io.cpumapd.metrics;

import io.cpumapd.tap.InjectError;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link MetricsSource} whose values the test sets: two ports, two RX workers (on cpus 2 and 3),
 * four cpumap keys, two TAP queues. Values are keyed by a path such as {@code rx/0/RX}; anything
 * not set reads 0. The daemon's own implementation, and the scrape of the live daemon, are tested
 * where the daemon binds them.
 */
final class TestSource implements MetricsSource {
    static final List<String> PORTS = List.of("replay0", "uplink1");
    static final List<String> WORKERS = List.of("rx0", "rx1");
    static final int[] WORKER_CPUS = {2, 3};
    static final int MAX_ENTRIES = 4;
    static final int TAP_QUEUES = 2;
    static final String VERSION = "0.1.0-test";
    static final String DPDK_VERSION = "DPDK 22.11.11";

    private final Map<String, LongSupplier> values = new ConcurrentHashMap<>();

    /** Sets the value read at {@code key}. */
    TestSource set(String key, long value) {
        values.put(key, () -> value);
        return this;
    }

    /** Makes {@code key} read whatever {@code value} returns at scrape time. */
    TestSource supply(String key, LongSupplier value) {
        values.put(key, value);
        return this;
    }

    private long get(String key) {
        LongSupplier s = values.get(key);
        return s == null ? 0 : s.getAsLong();
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String dpdkVersion() {
        return DPDK_VERSION;
    }

    @Override
    public List<String> portNames() {
        return PORTS;
    }

    @Override
    public long port(int port, PortCounter counter) {
        return get("port/" + port + "/" + counter);
    }

    @Override
    public List<String> workerNames() {
        return WORKERS;
    }

    @Override
    public int workerCpu(int worker) {
        return WORKER_CPUS[worker];
    }

    @Override
    public long rx(int worker, RxCounter counter) {
        return get("rx/" + worker + "/" + counter);
    }

    @Override
    public int maxEntries() {
        return MAX_ENTRIES;
    }

    @Override
    public long enqueue(int cpu, int which) {
        return get("enqueue/" + cpu + "/" + which);
    }

    @Override
    public long ringUsed(int cpu) {
        return get("ring/" + cpu + "/used");
    }

    @Override
    public long ringCapacity(int cpu) {
        return get("ring/" + cpu + "/capacity");
    }

    @Override
    public long consumer(int cpu, ConsumerCounter counter) {
        return get("consumer/" + cpu + "/" + counter);
    }

    @Override
    public long consumerDrops(int cpu, ConsumerDropReason reason) {
        return get("consumer/" + cpu + "/drops/" + reason);
    }

    @Override
    public long consumerTimeNs(int cpu, boolean busy) {
        return get("consumer/" + cpu + (busy ? "/busyNs" : "/idleNs"));
    }

    @Override
    public int cpumapEntries() {
        return (int) get("entries");
    }

    @Override
    public int tapQueues() {
        return TAP_QUEUES;
    }

    @Override
    public long tapPackets(int queue) {
        return get("tap/" + queue + "/packets");
    }

    @Override
    public long tapBytes(int queue) {
        return get("tap/" + queue + "/bytes");
    }

    @Override
    public long tapErrors(int queue, InjectError kind) {
        return get("tap/" + queue + "/errors/" + kind);
    }

    @Override
    public long mempoolSize() {
        return get("mempool/size");
    }

    @Override
    public long mempoolInUse() {
        return get("mempool/inUse");
    }

    @Override
    public long filterSwaps() {
        return get("filter/swaps");
    }
}
