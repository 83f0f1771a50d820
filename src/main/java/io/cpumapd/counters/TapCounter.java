package io.cpumapd.counters;

/**
 * Counters of a TAP queue's injector, one row per queue. The refusals by errno follow
 * {@code ERRORS}, in the order of {@code tap.InjectError}; each has its own counter because each
 * means something different to an operator.
 */
public enum TapCounter implements CounterDescriptor {
    PACKETS(Info.of("packets", "packets", "Frames the kernel accepted",
            Export.of("cpumapd.tap.packets", "Frames the kernel accepted from the TAP queue"))),
    BYTES(Info.of("bytes", "bytes", "Ethernet frame bytes the kernel accepted, vnet headers not included",
            Export.of("cpumapd.tap.bytes", "Ethernet bytes the kernel accepted from the TAP queue"))),
    ERRORS(Info.of("errors", "packets", "Frames the kernel refused, of any kind")),
    EAGAIN(Info.of(null, "packets", "Refused: the queue's socket buffer is full", errno("EAGAIN"))),
    EIO(Info.of(null, "packets", "Refused: the link is down", errno("EIO"))),
    ENETDOWN(Info.of(null, "packets", "Refused: the network is down", errno("ENETDOWN"))),
    EBADFD(Info.of(null, "packets", "Refused: the queue is no longer attached to a device", errno("EBADFD"))),
    EINVAL(Info.of(null, "packets", "Refused: a malformed frame or vnet header", errno("EINVAL"))),
    OTHER(Info.of(null, "packets", "Refused for any other reason", errno("OTHER"))),
    /** GRO (gso.Gro): received segments written inside GSO frames (each frame counts once in PACKETS). */
    GRO_SEGMENTS(Info.of("gro_segments", "packets", "Segments merged into GSO frames by GRO",
            Export.of("cpumapd.tap.gro.segments", "TCP segments GRO merged into GSO frames on the TAP queue"))),
    GRO_FRAMES(Info.of("gro_frames", "packets", "GSO frames GRO wrote (two segments or more each)",
            Export.of("cpumapd.tap.gro.frames", "GSO frames GRO wrote into the TAP queue"))),
    GRO_BAD_CHECKSUM(Info.of("gro_bad_checksum", "packets",
            "TCP segments GRO left alone because a checksum was wrong (the kernel checks and drops them)",
            Export.of("cpumapd.tap.gro.bad.checksum", "TCP segments GRO did not merge because of a bad checksum"))),
    // The flush reasons, in gso.Gro's FLUSH_* order.
    GRO_FLUSH_ROUND_END(Info.of(null, "calls", "GRO flows written at the end of a dequeue round", flush("round_end"))),
    GRO_FLUSH_LIMIT(Info.of(null, "calls", "GRO flows written at 64 segments or 64 KiB", flush("limit"))),
    GRO_FLUSH_FLOW_END(Info.of(null, "calls", "GRO flows written after a PSH or short segment", flush("flow_end"))),
    GRO_FLUSH_MISMATCH(Info.of(null, "calls",
            "GRO flows written because a packet of the flow could not join (order, flags, options, checksum)",
            flush("mismatch"))),
    GRO_FLUSH_EVICTED(Info.of(null, "calls", "GRO flows written to make room for another flow", flush("evicted")));

    private final Info info;

    TapCounter(Info info) {
        this.info = info;
    }

    private static Export errno(String name) {
        return Export.tagged("cpumapd.tap.errors", "Frames the kernel refused on the TAP queue, by errno", "errno",
                name);
    }

    private static Export flush(String reason) {
        return Export.tagged("cpumapd.tap.gro.flushes", "GRO flows written into the TAP queue, by reason", "reason",
                reason);
    }

    @Override
    public Info info() {
        return info;
    }
}
