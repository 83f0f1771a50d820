package io.cpumapd.pipeline;

import io.cpumapd.cpumap.Redirector;
import io.cpumapd.tap.InjectError;
import io.cpumapd.worker.Delivery;
import io.cpumapd.worker.PortTx;
import io.cpumapd.worker.TapDelivery;
import java.util.ArrayList;
import java.util.List;

/**
 * Counter totals over every thread that ever ran: the live threads' single-writer blocks plus the
 * sums of retired consumers' blocks (their redirects onward, their TAP injections, their port TX).
 * A retired consumer's block is folded in under the same lock readers take, so a total never goes
 * backwards and memory does not grow with entry churn. Control path only.
 */
final class PipelineTotals {
    static final int TAP_PACKETS = 0;
    static final int TAP_BYTES = 1;
    static final int TAP_ERRORS = 2;
    static final int TAP_TOO_SHORT = 3;
    private static final int TAP_FIELDS = 4;
    private static final InjectError[] KINDS = InjectError.values();

    private final List<Redirector> redirectors = new ArrayList<>();
    private final List<PortTx> portTxs = new ArrayList<>();
    private final List<List<Delivery>> deliveries = new ArrayList<>();
    private final long[][] retiredTargets;
    private final long[][] retiredTap;
    private final long[][] retiredTapErrors;
    private final long[] retiredPortTx = new long[2];

    PipelineTotals(int keys, int tapQueues) {
        retiredTargets = new long[keys][Redirector.COUNTERS_PER_TARGET];
        retiredTap = new long[tapQueues][TAP_FIELDS];
        retiredTapErrors = new long[tapQueues][KINDS.length];
        for (int q = 0; q < tapQueues; q++) {
            deliveries.add(new ArrayList<>(2));
        }
    }

    synchronized void workerParts(Redirector r, Delivery d, PortTx tx) {
        redirectors.add(r);
        portTxs.add(tx);
        addDelivery(d);
    }

    private void addDelivery(Delivery d) {
        if (d instanceof TapDelivery t && t.queue() < deliveries.size()) { // a TAP of the pipeline's own
            deliveries.get(t.queue()).add(t);
        }
    }

    EntryParts entryParts(int key) {
        return new EntryParts(key);
    }

    /** A retired consumer's parts: fold their counters into the totals and forget them. */
    synchronized void retire(EntryParts parts) {
        if (parts.redirector != null && redirectors.remove(parts.redirector)) {
            for (int k = 0; k < retiredTargets.length; k++) {
                for (int w = 0; w < Redirector.COUNTERS_PER_TARGET; w++) {
                    retiredTargets[k][w] += parts.redirector.counter(k, w);
                }
            }
        }
        if (parts.portTx != null && portTxs.remove(parts.portTx)) {
            retiredPortTx[PortTx.SENT] += parts.portTx.counter(PortTx.SENT);
            retiredPortTx[PortTx.DROPS] += parts.portTx.counter(PortTx.DROPS);
        }
        if (parts.delivery instanceof TapDelivery t && t.queue() < deliveries.size()
                && deliveries.get(t.queue()).remove(t)) {
            int q = t.queue();
            for (int f = 0; f < TAP_FIELDS; f++) {
                retiredTap[q][f] += tapField(t, f);
            }
            for (InjectError kind : KINDS) {
                retiredTapErrors[q][kind.ordinal()] += t.counters().errors(kind);
            }
        }
    }

    synchronized long target(int key, int which) {
        long sum = retiredTargets[key][which];
        for (Redirector r : redirectors) {
            sum += r.counter(key, which);
        }
        return sum;
    }

    synchronized long tap(int queue, int field) {
        long sum = retiredTap[queue][field];
        for (Delivery d : deliveries.get(queue)) {
            sum += tapField((TapDelivery) d, field);
        }
        return sum;
    }

    long tooShort(int queue) {
        return queue < retiredTap.length ? tap(queue, TAP_TOO_SHORT) : 0;
    }

    synchronized long tapErrors(int queue, InjectError kind) {
        long sum = retiredTapErrors[queue][kind.ordinal()];
        for (Delivery d : deliveries.get(queue)) {
            sum += ((TapDelivery) d).counters().errors(kind);
        }
        return sum;
    }

    synchronized long portTx(int which) {
        long sum = retiredPortTx[which];
        for (PortTx tx : portTxs) {
            sum += tx.counter(which);
        }
        return sum;
    }

    private static long tapField(TapDelivery t, int field) {
        return switch (field) {
            case TAP_PACKETS -> t.counters().packets();
            case TAP_BYTES -> t.counters().bytes();
            case TAP_ERRORS -> t.counters().errors();
            default -> t.tooShort();
        };
    }

    /** The parts one consumer builds on its own thread as it starts; registered as they appear. */
    final class EntryParts {
        final int key;
        volatile Redirector redirector;
        volatile PortTx portTx;
        volatile Delivery delivery;

        EntryParts(int key) {
            this.key = key;
        }

        Redirector redirector(Redirector r) {
            synchronized (PipelineTotals.this) {
                redirector = r;
                redirectors.add(r);
            }
            return r;
        }

        PortTx portTx(PortTx tx) {
            synchronized (PipelineTotals.this) {
                portTx = tx;
                portTxs.add(tx);
            }
            return tx;
        }

        Delivery delivery(Delivery d) {
            synchronized (PipelineTotals.this) {
                delivery = d;
                addDelivery(d);
            }
            return d;
        }
    }
}
