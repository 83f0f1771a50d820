package io.cpumapd.cpumap;

import io.cpumapd.config.CpuMapEntryConfig;
import io.cpumapd.config.Cpus;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Ring;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.skb.SkbHandle;
import io.cpumapd.dpdk.DpdkException;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
    public static final boolean DEFAULT_GRO = CpuMapEntryConfig.DEFAULT_GRO;
    /** The kernel's limit on qsize (EOVERFLOW above it). */
    public static final int MAX_QSIZE = CpuMapEntryConfig.MAX_QSIZE;
    /** Update flags, as BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
    public static final int ANY = 0;
    public static final int NOEXIST = 1;
    public static final int EXIST = 2;

    /**
     * Retirements under way (not stuck) at most when an update starts a new consumer: beyond, the
     * update waits for the oldest (up to {@link #BACKLOG_WAIT}, then EBUSY). Updates as fast as they
     * go would otherwise start consumers faster than the old ones drain and end, until lcore ids
     * and CPU time run out.
     */
    public static final int RETIRING_LIMIT = 4;
    public static final Duration BACKLOG_WAIT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STUCK_AFTER = Duration.ofSeconds(2);
    private static final System.Logger LOG = System.getLogger("cpumapd.cpumap");

    private static final AtomicInteger NEXT_MAP_ID = new AtomicInteger(1);

    private final int id = NEXT_MAP_ID.getAndIncrement();
    private final int maxEntries;
    private final BitSet usableCpus;
    private final AtomicReferenceArray<CpuMapEntry> slots;
    private final Quiescence quiescence;
    private final BiFunction<CpuMap, CpuMapEntry, EntryConsumer> consumers;
    /**
     * Retirements run side by side, each on a thread of its own (named after the entry while it
     * waits): one whose consumer cannot be stopped holds its thread only, never the later ones.
     */
    private final ExecutorService reaper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cpumap-reaper");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger nextEntryId = new AtomicInteger(1);
    /** Read without the map's lock (status, scrapes): an update may hold it while it waits for the backlog. */
    private final List<Retiring> retiring = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Arena cleanupArena = Arena.ofShared();
    private final HandleArray cleanupScratch = new HandleArray(cleanupArena, 64); // under its own lock
    private final AtomicLong cleanedUp = new AtomicLong();
    private final AtomicLong cleanedUpLate = new AtomicLong();
    private final List<CompletableFuture<Void>> deferred = new ArrayList<>();
    private volatile Duration stuckAfter;
    private boolean closed;

    /**
     * @param usableCpus CPUs a consumer may be pinned to (the process's affinity mask): a key outside
     *                   is ENODEV, as a CPU that is not possible is in the kernel
     * @param consumers  builds the consumer of a new entry (not started)
     */
    public CpuMap(int maxEntries, BitSet usableCpus, Quiescence quiescence,
            BiFunction<CpuMap, CpuMapEntry, EntryConsumer> consumers) {
        this(maxEntries, usableCpus, quiescence, consumers, DEFAULT_STUCK_AFTER);
    }

    /**
     * @param stuckAfter a retirement whose consumer has not ended after this long is reported stuck
     *                   (logged once, named by {@link #stuckRetirements()}) and no longer holds back
     *                   updates (see {@link #RETIRING_LIMIT})
     */
    public CpuMap(int maxEntries, BitSet usableCpus, Quiescence quiescence,
            BiFunction<CpuMap, CpuMapEntry, EntryConsumer> consumers, Duration stuckAfter) {
        this.stuckAfter = stuckAfter;
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
        awaitBacklog();
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
            throw refusal(e);
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

    /** A consumer that could not start for want of a DPDK resource (lcore ids: ENOMEM) is that errno. */
    private static RuntimeException refusal(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CpuMapException) {
                return e;
            }
            if (t instanceof DpdkException d && d.errno() > 0) {
                return new CpuMapException(d.errno(), "the consumer could not start: " + d.getMessage());
            }
        }
        return e;
    }

    /** Waits while {@link #RETIRING_LIMIT} retirements or more are under way; EBUSY after {@link #BACKLOG_WAIT}. */
    private void awaitBacklog() {
        long deadline = System.nanoTime() + BACKLOG_WAIT.toNanos();
        while (true) {
            retiring.removeIf(Retiring::done);
            List<Retiring> active = retiring.stream().filter(r -> !stuck(r)).toList();
            if (active.size() < RETIRING_LIMIT) {
                return;
            }
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    throw new java.util.concurrent.TimeoutException();
                }
                active.getFirst().future().get(Math.min(left, stuckAfter.toNanos()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new CpuMapException(Errno.EBUSY, active.size() + " replaced entries are still draining ("
                            + active.stream().map(r -> r.entry().toString()).toList() + ")");
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // a failed retirement is done all the same
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CpuMapException(Errno.EBUSY, "interrupted while replaced entries drained");
            }
        }
    }

    private void retire(int key, CpuMapEntry old) {
        if (old == null) {
            return;
        }
        long since = System.nanoTime();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            Thread me = Thread.currentThread();
            me.setName("cpumap-reaper " + old);
            try {
                // A thread stuck in a filter or program holds no grace period up for long: the
                // consumer drains and ends (its lcore comes back), and the ring stays until the
                // stuck thread has passed a quiescent point (what it may still push lands there).
                List<Quiescence.Owed> owed = quiescence.synchronize(stuckAfter);
                old.consumer().drainAndStop();
                if (owed.isEmpty()) {
                    freeRing(old, cleanedUp);
                } else {
                    deferRingFree(old, owed);
                }
            } finally {
                me.setName("cpumap-reaper");
            }
        }, reaper).whenComplete((v, e) -> {
            if (e != null) {
                old.freed.completeExceptionally(e);
            } else {
                old.freed.complete(null);
            }
        });
        Retiring r = new Retiring(old, done, since);
        // Its grace period may itself wait up to the stuck time for a stuck thread: twice that is late.
        CompletableFuture.delayedExecutor(2 * stuckAfter.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (!done.isDone()) {
                LOG.log(System.Logger.Level.WARNING, "retiring {0} (program {1}): its consumer thread {0} has not "
                        + "ended after {2} ms; it keeps its lcore and ring, other retirements go on", old,
                        old.program() == null ? "pass" : old.program().name(), Long.toString(2 * stuckAfter.toMillis()));
            }
        });
        retiring.removeIf(Retiring::done);
        retiring.add(r);
    }

    /**
     * After a complete grace period the consumer has drained the ring to empty: it read the ring only
     * after the grace period had ended, when no producer could push any more (Consumer.doWork), so
     * nothing is left unless a consumer died. After a grace period cut short, a stuck thread's late
     * bulk may land in the ring after its consumer ended: counted apart. Either way it is freed by kind,
     * never leaked and never freed as the wrong kind.
     */
    private void freeRing(CpuMapEntry old, AtomicLong count) {
        synchronized (cleanupScratch) {
            count.addAndGet(SkbHandle.drainAndFree(old.ring(), cleanupScratch));
        }
        old.ring().close();
    }

    /** Rings kept for threads a grace period stopped waiting for; freed on a timer once they passed. */
    private void deferRingFree(CpuMapEntry old, List<Quiescence.Owed> owed) {
        LOG.log(System.Logger.Level.WARNING, "retiring {0}: {1} passed no quiescent point within {2} ms; its "
                + "consumer ended, its ring is freed once they do", old, owed, Long.toString(stuckAfter.toMillis()));
        CompletableFuture<Void> freed = new CompletableFuture<>();
        synchronized (deferred) {
            deferred.add(freed);
        }
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (Quiescence.passed(owed)) {
                try {
                    freeRing(old, cleanedUpLate);
                    freed.complete(null);
                } catch (RuntimeException e) {
                    freed.completeExceptionally(e);
                }
                synchronized (deferred) {
                    deferred.remove(freed);
                }
            } else {
                CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS, reaper).execute(check[0]);
            }
        };
        CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS, reaper).execute(check[0]);
    }

    /** Rings of retired entries kept until a stuck thread passes a quiescent point. */
    public int ringsDeferred() {
        synchronized (deferred) {
            return deferred.size();
        }
    }

    /** A replaced or deleted entry on its way out. */
    private record Retiring(CpuMapEntry entry, CompletableFuture<Void> future, long sinceNs) {
        boolean done() {
            return future.isDone();
        }

    }

    /** The stuck time from now on (a reload of the stall time). */
    public void stuckAfter(Duration d) {
        stuckAfter = d;
    }

    /** Replaced or deleted entries not freed yet (draining, or stuck). */
    public int retirementsPending() {
        retiring.removeIf(Retiring::done);
        return retiring.size();
    }

    /** Retired entries whose consumer has not ended within the stuck time, by thread name. */
    public List<String> stuckRetirements() {
        retiring.removeIf(Retiring::done);
        return retiring.stream().filter(this::stuck).map(r -> r.entry().toString()).toList();
    }

    private boolean stuck(Retiring r) {
        return !r.done() && System.nanoTime() - r.sinceNs() > 2 * stuckAfter.toNanos();
    }

    /** Waits until every replaced or deleted entry so far is drained and freed. */
    public void awaitRetired() {
        List<CompletableFuture<Void>> pending;
        synchronized (this) {
            pending = retiring.stream().map(Retiring::future).toList();
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        List<CompletableFuture<Void>> rings;
        synchronized (deferred) {
            rings = List.copyOf(deferred);
        }
        CompletableFuture.allOf(rings.toArray(CompletableFuture[]::new)).join();
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

    /**
     * Handles found in the rings of entries retired after a complete grace period, and freed: 0 unless
     * a consumer died before draining (its producers had all passed a quiescent point before it read
     * its ring for the last time).
     */
    public long cleanedUp() {
        return cleanedUp.get();
    }

    /**
     * Handles found in the rings of entries whose grace period stopped waiting for a stuck thread
     * ({@link Quiescence#synchronize(Duration)}), freed once that thread passed a quiescent point:
     * what it pushed after the entry's consumer ended.
     */
    public long cleanedUpLate() {
        return cleanedUpLate.get();
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
