package io.cpumapd.cpumap;

import java.util.ArrayList;
import java.util.List;

/**
 * Consumer counters per key that survive entry replacement: the sum of the live consumers' blocks
 * (a draining old one and its successor may both run) and of those already retired. The hand-over
 * from live to retired happens under the same lock readers take, so a sum never goes backwards.
 * Control path only: the consumers themselves write their own blocks without it.
 */
final class ConsumerTotals {
    private final List<List<EntryConsumer>> live;
    private final long[][] retired;

    ConsumerTotals(int keys) {
        live = new ArrayList<>(keys);
        retired = new long[keys][];
        for (int k = 0; k < keys; k++) {
            live.add(new ArrayList<>(2));
        }
    }

    synchronized void attach(int key, EntryConsumer c) {
        live.get(key).add(c);
    }

    synchronized void detach(int key, EntryConsumer c) {
        live.get(key).remove(c);
    }

    synchronized void retire(int key, EntryConsumer c) {
        if (retired[key] == null) {
            retired[key] = new long[c.counterCount()];
        }
        for (int i = 0; i < c.counterCount(); i++) {
            retired[key][i] += c.counter(i);
        }
        live.get(key).remove(c);
    }

    synchronized long get(int key, int index) {
        long sum = retired[key] == null ? 0 : retired[key][index];
        for (EntryConsumer c : live.get(key)) {
            sum += c.counter(index);
        }
        return sum;
    }
}
