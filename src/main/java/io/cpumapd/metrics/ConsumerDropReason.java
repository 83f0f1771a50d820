package io.cpumapd.metrics;

/** Why a consumer did not deliver a packet it dequeued: the {@code reason} label of consumer drops. */
public enum ConsumerDropReason {
    /** The TAP refused the frame (see the TAP error counters for the errno). */
    INJECT("inject"),
    /** The frame was shorter than an Ethernet header. */
    TOO_SHORT("too_short"),
    /** The consumer's program returned DROP. */
    PROGRAM("program");

    public static final ConsumerDropReason[] ALL = values();
    private final String label;

    ConsumerDropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
