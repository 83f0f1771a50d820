package io.cpumapd.metrics;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.CounterDescriptor;
import io.cpumapd.counters.CounterGroup;
import io.cpumapd.counters.CounterRegistry;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.counters.TapCounter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link MetricsSource} whose values the test sets: two ports, two RX workers (on cpus 2 and 3),
 * four cpumap keys, two TAP queues. Counters live in a real {@link CounterRegistry} with one block
 * per row, keyed by set, row and descriptor name ({@code rx/0/RX}, {@code consumer/1/BUSY_NS});
 * the other values by a path such as {@code port/0/RX_MISSED}. Anything not set reads 0.
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
    private final CounterRegistry counters = new CounterRegistry();
    private final Map<String, CounterBlock> blocks = new HashMap<>();
    private final Map<String, Class<? extends Enum<?>>> sets = new HashMap<>();

    TestSource() {
        define("rx", RxCounter.class, WORKERS.size(), w -> new String[] {"worker", WORKERS.get(w), "cpu",
            Integer.toString(WORKER_CPUS[w])});
        define("enqueue", EnqueueCounter.class, MAX_ENTRIES, k -> new String[] {"cpu", Integer.toString(k)});
        define("consumer", ConsumerCounter.class, MAX_ENTRIES, k -> new String[] {"cpu", Integer.toString(k)});
        define("tap", TapCounter.class, TAP_QUEUES, q -> new String[] {"queue", Integer.toString(q)});
    }

    private <E extends Enum<E> & CounterDescriptor> void define(String name, Class<E> type, int rows,
            java.util.function.IntFunction<String[]> tags) {
        CounterGroup<E> g = counters.define(name, type, rows, tags);
        sets.put(name, type);
        for (int r = 0; r < rows; r++) {
            blocks.put(name + "/" + r, g.newBlock(r, 1));
        }
    }

    /** Sets the value read at {@code key}: a counter ({@code rx/0/RX}) or another value ({@code mempool/size}). */
    TestSource set(String key, long value) {
        String[] parts = key.split("/");
        CounterBlock block = parts.length == 3 ? blocks.get(parts[0] + "/" + parts[1]) : null;
        if (block == null) {
            values.put(key, () -> value);
            return this;
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        int column = Enum.valueOf((Class) sets.get(parts[0]), parts[2]).ordinal();
        block.add(column, value - block.get(column)); // the test is the block's one writer
        return this;
    }

    /** Makes {@code key} (not a counter) read whatever {@code value} returns at scrape time. */
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
    public CounterRegistry counters() {
        return counters;
    }

    @Override
    public int maxEntries() {
        return MAX_ENTRIES;
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
    public int cpumapEntries() {
        return (int) get("entries");
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
