package io.cpumapd.daemon;

import io.cpumapd.cpumap.Redirector;
import io.cpumapd.pipeline.Pipeline;
import io.cpumapd.worker.ConsumerCounter;
import io.cpumapd.worker.RxCounter;

/** The one-line account of every packet that the daemon logs at shutdown. */
final class Summary {
    private Summary() {
    }

    static String line(Pipeline p) {
        long rx = 0;
        long redirected = 0;
        for (int w = 0; w < p.workers().size(); w++) {
            rx += p.rx(w, RxCounter.RX);
            redirected += p.rx(w, RxCounter.REDIRECT);
        }
        long enqueued = 0;
        long enqueueDrops = 0;
        long processed = 0;
        long consumerDrops = 0;
        for (int k = 0; k < p.map().maxEntries(); k++) {
            enqueued += p.target(k, Redirector.ENQUEUED);
            enqueueDrops += p.target(k, Redirector.DROPS);
            processed += p.consumer(k, ConsumerCounter.PROCESSED);
            consumerDrops += p.consumer(k, ConsumerCounter.DROPS);
        }
        long injected = 0;
        long tapErrors = 0;
        for (int q = 0; q < p.tapQueues(); q++) {
            injected += p.tapPackets(q);
            tapErrors += p.tapErrors(q);
        }
        return "rx " + rx + ", redirected " + redirected + ", enqueued " + enqueued + ", enqueue drops " + enqueueDrops
                + ", processed " + processed + ", consumer drops " + consumerDrops + ", injected " + injected
                + ", tap errors " + tapErrors;
    }
}
