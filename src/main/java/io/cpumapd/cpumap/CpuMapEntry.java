package io.cpumapd.cpumap;

import io.cpumapd.dpdk.Ring;
import io.cpumapd.packet.PacketFilter;
import java.util.concurrent.CompletableFuture;

/**
 * One cpumap value: the ring of {@code qsize} slots (multi-producer, single-consumer) and the
 * consumer pinned to {@code cpu} that runs {@code program}. Built by an update and never changed
 * once published: its consumer is set by {@link CpuMap} after construction (the consumer needs the
 * entry to exist) and before the entry is swapped into the map, where RX threads first see it.
 */
public final class CpuMapEntry {
    private final int id;
    private final int cpu;
    private final int qsize;
    private final PacketFilter program;
    private final Ring ring;
    private final int[] redirects;
    private final boolean gro;
    private EntryConsumer consumer;
    final CompletableFuture<Void> freed = new CompletableFuture<>();

    CpuMapEntry(int id, int cpu, int qsize, PacketFilter program, Ring ring, int[] redirects, boolean gro) {
        this.redirects = redirects;
        this.gro = gro;
        this.id = id;
        this.cpu = cpu;
        this.qsize = qsize;
        this.program = program;
        this.ring = ring;
    }

    void consumer(EntryConsumer c) {
        this.consumer = c;
    }

    public EntryConsumer consumer() {
        return consumer;
    }

    public int id() {
        return id;
    }

    public int cpu() {
        return cpu;
    }

    public int qsize() {
        return qsize;
    }

    /** The second-stage program; null means PASS everything. */
    public PacketFilter program() {
        return program;
    }

    /** Whether the consumer merges TCP segments into GSO frames before the kernel (GRO). */
    public boolean gro() {
        return gro;
    }

    /** The entries the program may redirect to (checked for cycles at update). */
    int[] redirects() {
        return redirects;
    }

    public Ring ring() {
        return ring;
    }

    /** Completes when a retired entry has drained its ring and been freed. */
    public CompletableFuture<Void> freed() {
        return freed;
    }

    @Override
    public String toString() {
        return "cpumap/" + cpu + "/map:" + id;
    }
}
