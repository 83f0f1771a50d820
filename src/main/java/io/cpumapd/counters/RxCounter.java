package io.cpumapd.counters;

import java.util.List;

/** Counters of an RX worker, one row per worker: packets received and the final action taken for each. */
public enum RxCounter implements CounterDescriptor {
    RX("rx", "packets", "Packets the RX worker received",
            Export.of("cpumapd.rx.packets", "Packets the RX worker received")),
    // ABORTED .. REDIRECT in the order of Verdict: the worker indexes them by verdict ordinal.
    ABORTED("aborted", "packets", "Packets that ended ABORTED", verdict("aborted")),
    DROP("drop", "packets", "Packets that ended DROP", verdict("drop")),
    PASS("pass", "packets", "Packets that ended PASS", verdict("pass")),
    TX("tx", "packets", "Packets that ended TX", verdict("tx")),
    REDIRECT("redirect", "packets", "Packets queued by REDIRECT", verdict("redirect")),
    REDIRECT_ERRORS("redirect_errors", "packets", "REDIRECT to a key without entry or a port that does not exist, "
            + "ending ABORTED", Export.of("cpumapd.rx.redirect.errors",
                    "REDIRECTs to a key without entry or an unknown port (then ABORTED)")),
    EXCEPTIONS("exceptions", "packets", "The filter threw: ABORTED for that packet",
            Export.of("cpumapd.rx.exceptions", "Packets whose filter threw (then ABORTED)")),
    PASS_DROPS("pass_drops", "packets", "PASS that the local delivery could not hand to the kernel",
            Export.of("cpumapd.rx.pass.drops", "PASS packets the local delivery could not hand to the kernel")),
    SKB_ERRORS("skb_errors", "packets", "skb mode: REDIRECT of a frame too short for an SkBuff, dropped",
            Export.of("cpumapd.rx.skb.errors", "skb mode: REDIRECTs of frames too short for an SkBuff, dropped")),
    TX_ERRORS("tx_errors", "packets", "TX on a port where this worker has no TX queue: dropped",
            Export.of("cpumapd.rx.tx.errors", "TX packets dropped: no TX queue of the worker on the port")),
    EMPTY_POLLS("empty_polls", "calls", "Polls that found no packet on any of the worker's queues",
            Export.of("cpumapd.rx.empty.polls", "Polls of the RX worker that found no packet"));

    private final String label;
    private final String unit;
    private final String help;
    private final List<Export> exports;

    RxCounter(String label, String unit, String help, Export... exports) {
        this.label = label;
        this.unit = unit;
        this.help = help;
        this.exports = List.of(exports);
    }

    private static Export verdict(String verdict) {
        return Export.tagged("cpumapd.rx.verdicts", "Final actions the RX worker took, by verdict", "verdict",
                verdict);
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public String help() {
        return help;
    }

    @Override
    public List<Export> exports() {
        return exports;
    }
}
