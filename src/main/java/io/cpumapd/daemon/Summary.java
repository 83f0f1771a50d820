package io.cpumapd.daemon;

import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.EnqueueCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.counters.TapCounter;
import io.cpumapd.pipeline.Pipeline;

/** The one-line account of every packet that the daemon logs at shutdown. */
final class Summary {
    private Summary() {
    }

    static String line(Pipeline p) {
        long rx = 0;
        long redirected = 0;
        for (int w = 0; w < p.workers().size(); w++) {
            rx += p.counters().get(RxCounter.RX, w);
            redirected += p.counters().get(RxCounter.REDIRECT, w);
        }
        long enqueued = 0;
        long enqueueDrops = 0;
        long processed = 0;
        long consumerDrops = 0;
        for (int k = 0; k < p.map().maxEntries(); k++) {
            enqueued += p.counters().get(EnqueueCounter.ENQUEUED, k);
            enqueueDrops += p.counters().get(EnqueueCounter.DROPS, k);
            processed += p.counters().get(ConsumerCounter.PROCESSED, k);
            consumerDrops += p.counters().get(ConsumerCounter.DROPS, k);
        }
        long injected = 0;
        long tapErrors = 0;
        for (int q = 0; q < p.tapQueues(); q++) {
            injected += p.counters().get(TapCounter.PACKETS, q);
            tapErrors += p.counters().get(TapCounter.ERRORS, q);
        }
        return "rx " + rx + ", redirected " + redirected + ", enqueued " + enqueued + ", enqueue drops " + enqueueDrops
                + ", processed " + processed + ", consumer drops " + consumerDrops + ", injected " + injected
                + ", tap errors " + tapErrors;
    }
}
