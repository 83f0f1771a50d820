package io.cpumapd.counters;

/** Counters of an RX worker, one row per worker: packets received and the final action taken for each. */
public enum RxCounter implements CounterDescriptor {
    RX(Info.of("rx", "packets", "Packets the RX worker received",
            Export.of("cpumapd.rx.packets", "Packets the RX worker received"))),
    // ABORTED .. REDIRECT in the order of Verdict: the worker indexes them by verdict ordinal.
    ABORTED(Info.of("aborted", "packets", "Packets that ended ABORTED", verdict("aborted"))),
    DROP(Info.of("drop", "packets", "Packets that ended DROP", verdict("drop"))),
    PASS(Info.of("pass", "packets", "Packets that ended PASS", verdict("pass"))),
    TX(Info.of("tx", "packets", "Packets that ended TX", verdict("tx"))),
    REDIRECT(Info.of("redirect", "packets", "Packets queued by REDIRECT", verdict("redirect"))),
    REDIRECT_ERRORS(Info.of("redirect_errors", "packets",
            "REDIRECT to a key without entry or a port that does not exist, ending ABORTED",
            Export.of("cpumapd.rx.redirect.errors",
                    "REDIRECTs to a key without entry or an unknown port (then ABORTED)"))),
    EXCEPTIONS(Info.of("exceptions", "packets", "The filter threw: ABORTED for that packet",
            Export.of("cpumapd.rx.exceptions", "Packets whose filter threw (then ABORTED)"))),
    PASS_DROPS(Info.of("pass_drops", "packets", "PASS that the local delivery could not hand to the kernel",
            Export.of("cpumapd.rx.pass.drops", "PASS packets the local delivery could not hand to the kernel"))),
    SKB_ERRORS(Info.of("skb_errors", "packets", "skb mode: REDIRECT of a frame too short for an SkBuff, dropped",
            Export.of("cpumapd.rx.skb.errors", "skb mode: REDIRECTs of frames too short for an SkBuff, dropped"))),
    TX_ERRORS(Info.of("tx_errors", "packets", "TX on a port where this worker has no TX queue: dropped",
            Export.of("cpumapd.rx.tx.errors", "TX packets dropped: no TX queue of the worker on the port"))),
    EMPTY_POLLS(Info.of("empty_polls", "calls", "Polls that found no packet on any of the worker's queues",
            Export.of("cpumapd.rx.empty.polls", "Polls of the RX worker that found no packet")));

    private final Info info;

    RxCounter(Info info) {
        this.info = info;
    }

    private static Export verdict(String verdict) {
        return Export.tagged("cpumapd.rx.verdicts", "Final actions the RX worker took, by verdict", "verdict",
                verdict);
    }

    @Override
    public Info info() {
        return info;
    }
}
