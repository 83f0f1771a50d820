package io.cpumapd.packet;

/** What a filter decides for a packet; the ordinals are XDP's action numbers. */
public enum Verdict {
    /** Program error: dropped and counted as an exception. */
    ABORTED,
    DROP,
    /** Into the kernel stack (the TAP) on this core. */
    PASS,
    /** Back out of the port it came in on. */
    TX,
    /** To the target set with {@link Packet#redirect}. */
    REDIRECT;

    private static final Verdict[] BY_ACTION = values();

    /** The verdict for an XDP action number (the low bits of redirect flags); unknown numbers are ABORTED. */
    public static Verdict ofAction(int action) {
        return action >= 0 && action < BY_ACTION.length ? BY_ACTION[action] : ABORTED;
    }
}
