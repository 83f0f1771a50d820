package io.cpumapd.worker;

/** Counters of an RX worker: packets received and the final action taken for each. */
public enum RxCounter {
    RX("rx"),
    ABORTED("aborted"),
    DROP("drop"),
    PASS("pass"),
    TX("tx"),
    REDIRECT("redirect"),
    /** REDIRECT to a key without entry, or to a port that does not exist, ending ABORTED. */
    REDIRECT_ERRORS("redirect_errors"),
    /** The filter threw: ABORTED for that packet. */
    EXCEPTIONS("exceptions"),
    /** PASS that the local delivery could not hand to the kernel (too short, refused by the TAP). */
    PASS_DROPS("pass_drops"),
    /** skb mode: REDIRECT of a frame too short for an SkBuff (dropped on the RX core). */
    SKB_ERRORS("skb_errors"),
    /** TX on a port where this worker has no TX queue: dropped. */
    TX_ERRORS("tx_errors");

    public static final RxCounter[] ALL = values();
    private final String label;

    RxCounter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
