package io.cpumapd.cpumap;

import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.Cpus;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Ring;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.skb.SkbHandle;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;

/**
 * The CPU map: key = target CPU, value = {qsize, program}. Producers read slots with volatile loads
 * ({@link #entry}); updates build a whole new entry (ring + started consumer) and swap it in; the
 * replaced or deleted entry is retired after a grace period of {@link Quiescence}: its consumer
 * drains the ring, then the ring is freed.
 */
public final class CpuMap implements AutoCloseable {
    /** GRO of a new entry unless its update says otherwise: on (it is off by itself where a TAP cannot take GSO). */
    public static final boolean DEFAULT_GRO = true;
    /** The kernel's limit on qsize (EOVERFLOW above it). */
    public static final int MAX_QSIZE = CpuMapEntryConfig.MAX_QSIZE;
    /** Update flags, as BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
    public static final int ANY = 0;
    public static final int NOEXIST = 1;
    public static final int EXIST = 2;

    private static final AtomicInteger NEXT_MAP_ID = new AtomicInteger(1);

    private final int id = NEXT_MAP_ID.getAndIncrement();
    private final int maxEntries;
    private final BitSet usableCpus;
    private final AtomicReferenceArray<CpuMapEntry> slots;
    private final Quiescence quiescence;
    private final BiFunction<CpuMap, CpuMapEntry, EntryConsumer> consumers;
    private final ExecutorService reaper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cpumap-reaper");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger nextEntryId = new AtomicInteger(1);
    private final List<CompletableFuture<Void>> retiring = new ArrayList<>();
    private final Arena cleanupArena = Arena.ofShared();
    private final HandleArray cleanupScratch = new HandleArray(cleanupArena, 64); // reaper thread only
    private final AtomicLong cleanedUp = new AtomicLong();
    private boolean closed;

    /**
     * @param usableCpus CPUs a consumer may be pinned to (the process's affinity mask): a key outside
     *                   is ENODEV, as a CPU that is not possible is in the kernel
     * @param consumers  builds the consumer of a new entry (not started)
     */
    public CpuMap(int maxEntries, BitSet usableCpus, Quiescence quiescence,
            BiFunction<CpuMap, CpuMapEntry, EntryConsumer> consumers) {
        int cpus = Cpus.online().length();
        if (maxEntries < 1 || maxEntries > cpus) {
            throw new CpuMapException(Errno.E2BIG, "max_entries " + maxEntries + " must be between 1 and the "
                    + cpus + " CPUs of this machine");
        }
        this.maxEntries = maxEntries;
        this.usableCpus = (BitSet) usableCpus.clone();
        this.slots = new AtomicReferenceArray<>(maxEntries);
        this.quiescence = quiescence;
        this.consumers = consumers;
    }

    public int id() {
        return id;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public Quiescence quiescence() {
        return quiescence;
    }

    /** Hot path: the live entry of {@code key} or null. A volatile load, needed by the grace-period argument. */
    public CpuMapEntry entry(int key) {
        return slots.get(key);
    }

    /**
     * {@code bpf_map_update_elem}: qsize 0 deletes; otherwise a new entry replaces the old one, which
     * is drained and freed in the background ({@link #awaitRetired()} waits for that).
     */
    public synchronized CpuMapEntry update(int key, int qsize, PacketFilter program, int flags) {
        return update(key, qsize, program, flags, new int[0]);
    }

    /**
     * As {@link #update(int, int, PacketFilter, int)}, for a program that may redirect to the entries of
     * {@code redirects}: refused with ELOOP when that closes a cycle of second-stage redirects (a packet
     * would go round the consumers for ever).
     */
    public synchronized CpuMapEntry update(int key, int qsize, PacketFilter program, int flags, int[] redirects) {
        return update(key, qsize, program, flags, redirects, DEFAULT_GRO);
    }

    /** As {@link #update(int, int, PacketFilter, int, int[])}, choosing whether the entry's consumer does GRO. */
    public synchronized CpuMapEntry update(int key, int qsize, PacketFilter program, int flags, int[] redirects,
            boolean gro) {
        if (closed) {
            throw new CpuMapException(Errno.ESHUTDOWN, "the cpumap is shutting down");
        }
        if (flags < ANY || flags > EXIST) {
            throw new CpuMapException(Errno.EINVAL, "unknown update flags " + flags);
        }
        checkKey(key);
        if (qsize == 0) {
            delete(key);
            return null;
        }
        if (qsize < 0 || qsize > MAX_QSIZE) {
            throw new CpuMapException(Errno.EOVERFLOW, "qsize " + qsize + " is out of range 1.." + MAX_QSIZE);
        }
        if (flags == NOEXIST && slots.get(key) != null) {
            throw new CpuMapException(Errno.EEXIST, "cpu " + key + " already has an entry");
        }
        if (flags == EXIST && slots.get(key) == null) {
            throw new CpuMapException(Errno.ENOENT, "cpu " + key + " has no entry");
        }
        checkNoCycle(key, redirects);
        int entryId = nextEntryId.getAndIncrement();
        Ring ring = Ring.create("cpumap" + id + "_" + key + "_" + entryId, qsize,
                Ring.SINGLE_CONSUMER | Ring.EXACT_SIZE);
        CpuMapEntry entry = new CpuMapEntry(entryId, key, qsize, program, ring, redirects.clone(), gro);
        try {
            EntryConsumer consumer = consumers.apply(this, entry);
            entry.consumer(consumer);
            consumer.start();
        } catch (RuntimeException e) {
            ring.close();
            entry.freed.completeExceptionally(e); // never in service: its owner lets go of its parts

            throw e;
        }
        retire(key, slots.getAndSet(key, entry));
        return entry;
    }

    /** Follows the live entries' redirects from {@code key}, whose program would redirect to {@code redirects}. */
    private void checkNoCycle(int key, int[] redirects) {
        int[] via = new int[maxEntries];
        java.util.Arrays.fill(via, -1);
        java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
        for (int t : redirects) {
            if (t >= 0 && t < maxEntries && via[t] < 0) {
                via[t] = key;
                todo.add(t);
            }
        }
        while (!todo.isEmpty()) {
            int at = todo.poll();
            if (at == key) {
                throw new CpuMapException(Errno.ELOOP, "the program of cpu " + key + " would redirect in a cycle: "
                        + cycle(key, via));
            }
            CpuMapEntry e = slots.get(at);
            if (e == null) {
                continue;
            }
            for (int t : e.redirects()) {
                if (t >= 0 && t < maxEntries && via[t] < 0) {
                    via[t] = at;
                    todo.add(t);
                }
            }
        }
    }

    private static String cycle(int key, int[] via) {
        java.util.List<String> path = new java.util.ArrayList<>();
        int at = key;
        do {
            path.addFirst(Integer.toString(at));
            at = via[at];
        } while (at != key && at >= 0 && path.size() <= via.length);
        path.addFirst(Integer.toString(key));
        return String.join(" -> ", path);
    }

    /**
     * {@code bpf_map_delete_elem}: as in the kernel, a key past max_entries is EINVAL and deleting
     * an empty key succeeds. Returns whether there was an entry.
     */
    public synchronized boolean delete(int key) {
        if (key < 0 || key >= maxEntries) {
            throw new CpuMapException(Errno.EINVAL, "key " + key + " is outside max_entries " + maxEntries);
        }
        CpuMapEntry old = slots.getAndSet(key, null);
        retire(key, old);
        return old != null;
    }

    private void checkKey(int key) {
        if (key < 0 || key >= maxEntries) {
            throw new CpuMapException(Errno.E2BIG, "key " + key + " is outside max_entries " + maxEntries);
        }
        if (!usableCpus.get(key)) {
            throw new CpuMapException(Errno.ENODEV, "cpu " + key + " does not exist or is not in this process's CPU set ("
                    + Cpus.list(usableCpus) + ")");
        }
    }

    private void retire(int key, CpuMapEntry old) {
        if (old == null) {
            return;
        }
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            quiescence.synchronize();
            old.consumer().drainAndStop();
            // The consumer drained to empty; whatever is still there (a consumer that died) is
            // freed by kind, never leaked and never freed as the wrong kind.
            cleanedUp.addAndGet(SkbHandle.drainAndFree(old.ring(), cleanupScratch));
            old.ring().close();
        }, reaper).whenComplete((v, e) -> {
            if (e != null) {
                old.freed.completeExceptionally(e);
            } else {
                old.freed.complete(null);
            }
        });
        retiring.removeIf(CompletableFuture::isDone);
        retiring.add(done);
    }

    /** Waits until every replaced or deleted entry so far is drained and freed. */
    public void awaitRetired() {
        List<CompletableFuture<Void>> pending;
        synchronized (this) {
            pending = List.copyOf(retiring);
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    }

    /** {@code bpf_map_lookup_elem}: null when empty. */
    public EntryInfo lookup(int key) {
        if (key < 0 || key >= maxEntries) {
            throw new CpuMapException(Errno.E2BIG, "key " + key + " is outside max_entries " + maxEntries);
        }
        CpuMapEntry e = slots.get(key);
        return e == null ? null : info(key, e);
    }

    private static EntryInfo info(int key, CpuMapEntry e) {
        return new EntryInfo(key, e.qsize(), e.id(), e.program() == null ? "pass" : e.program().name(), e.gro());
    }

    /** Every entry in key order (get_next_key walks 0..max-1). */
    public List<EntryInfo> entries() {
        List<EntryInfo> out = new ArrayList<>();
        for (int k = 0; k < maxEntries; k++) {
            CpuMapEntry e = slots.get(k);
            if (e != null) {
                out.add(info(k, e));
            }
        }
        return out;
    }

    /** Handles ring cleanup found in retired rings and freed (0 unless a consumer died before draining). */
    public long cleanedUp() {
        return cleanedUp.get();
    }

    /** Deletes every entry and waits for them to drain; the map is unusable after. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (int k = 0; k < maxEntries; k++) {
                CpuMapEntry old = slots.getAndSet(k, null);
                retire(k, old);
            }
        }
        awaitRetired();
        reaper.shutdown();
        cleanupArena.close();
    }

    /** What lookup shows: key, qsize, entry id (as the kernel's prog id shows the program) and program name. */
    public record EntryInfo(int cpu, int qsize, int entryId, String program, boolean gro) {
    }
}
