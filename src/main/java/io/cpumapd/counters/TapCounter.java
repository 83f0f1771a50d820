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
    OTHER(Info.of(null, "packets", "Refused for any other reason", errno("OTHER")));

    private final Info info;

    TapCounter(Info info) {
        this.info = info;
    }

    private static Export errno(String name) {
        return Export.tagged("cpumapd.tap.errors", "Frames the kernel refused on the TAP queue, by errno", "errno",
                name);
    }

    @Override
    public Info info() {
        return info;
    }
}
