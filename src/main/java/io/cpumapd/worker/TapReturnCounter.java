package io.cpumapd.worker;

/**
 * Counters of one reader of a TAP queue (the return path). Every frame read ends in exactly one
 * way: sent whole, segmented (then each segment is sent or dropped as a wire frame), or dropped
 * for a reason. Wire frames: read - segmented - frame drops + segments = sent + tx_full + no_tx_queue.
 */
public enum TapReturnCounter {
    READ("read"),
    READ_BYTES("read_bytes"),
    /** Wire frames the port's driver took. */
    SENT("sent"),
    /** GSO frames cut into segments, and the segments they made. */
    SEGMENTED("segmented"),
    SEGMENTS("segments"),
    /** Wire frames dropped: the thread has no TX queue on the port, or the TX ring was full. */
    NO_TX_QUEUE("no_tx_queue"),
    TX_FULL("tx_full"),
    /** Frames dropped: bigger than the port's MTU (or gso_size does not fit it). */
    TOO_BIG("too_big"),
    /** Frames dropped: out of mbufs part-way through, or headers segmentation does not handle. */
    SEGMENTATION_FAILED("segmentation_failed"),
    /** Frames dropped: the vnet header contradicts itself or the frame. */
    MALFORMED("malformed");

    public static final TapReturnCounter[] ALL = values();
    private final String label;

    TapReturnCounter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
