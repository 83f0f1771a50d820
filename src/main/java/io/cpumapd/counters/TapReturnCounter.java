package io.cpumapd.counters;

/**
 * The return path of a TAP queue (what the kernel sent on it, read and sent out the TAP's port),
 * one row per (TAP, queue). Every frame read ends one way: sent whole, segmented (each segment
 * then sent or dropped as a wire frame), or dropped for a reason. Wire frames:
 * read - segmented - too_big - malformed - segmentation_failed + segments = sent + tx_full + no_tx_queue.
 */
public enum TapReturnCounter implements CounterDescriptor {
    READ(Info.of("read", "packets", "Frames read from the TAP queue",
            Export.of("cpumapd.tap.return.read.packets", "Frames the kernel sent on the TAP queue, read"))),
    READ_BYTES(Info.of("read_bytes", "bytes", "Bytes of the frames read",
            Export.of("cpumapd.tap.return.read.bytes", "Bytes the kernel sent on the TAP queue, read"))),
    SENT(Info.of("sent", "packets", "Wire frames the port's driver took",
            Export.of("cpumapd.tap.return.sent.packets", "Wire frames sent out the port from the TAP queue"))),
    SEGMENTED(Info.of("segmented", "packets", "GSO frames cut into segments",
            Export.of("cpumapd.tap.return.segmented.packets", "GSO frames from the TAP queue cut into segments"))),
    SEGMENTS(Info.of("segments", "packets", "Segments made of GSO frames",
            Export.of("cpumapd.tap.return.segments.packets", "Segments made of GSO frames from the TAP queue"))),
    NO_TX_QUEUE(Info.of("no_tx_queue", "packets", "Dropped: the reading thread has no TX queue on the port",
            drop("no_tx_queue"))),
    TX_FULL(Info.of("tx_full", "packets", "Dropped: the port's TX ring was full", drop("tx_full"))),
    TOO_BIG(Info.of("too_big", "packets", "Dropped: bigger than the port's MTU, or gso_size does not fit it",
            drop("too_big"))),
    SEGMENTATION_FAILED(Info.of("segmentation_failed", "packets",
            "Dropped: out of mbufs part-way, or headers segmentation does not handle", drop("segmentation_failed"))),
    MALFORMED(Info.of("malformed", "packets", "Dropped: the vnet header contradicts itself or the frame",
            drop("malformed")));

    private final Info info;

    TapReturnCounter(Info info) {
        this.info = info;
    }

    private static Export drop(String reason) {
        return Export.tagged("cpumapd.tap.return.drops", "Frames from the TAP queue dropped, by reason", "reason",
                reason);
    }

    @Override
    public Info info() {
        return info;
    }
}
