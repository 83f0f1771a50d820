package io.cpumapd.counters;

import java.util.List;

/**
 * Counters of a TAP queue's injector, one row per queue. The refusals by errno follow
 * {@code ERRORS}, in the order of {@code tap.InjectError}; each has its own counter because each
 * means something different to an operator.
 */
public enum TapCounter implements CounterDescriptor {
    PACKETS("packets", "packets", "Frames the kernel accepted",
            Export.of("cpumapd.tap.packets", "Frames the kernel accepted from the TAP queue")),
    BYTES("bytes", "bytes", "Ethernet frame bytes the kernel accepted, vnet headers not included",
            Export.of("cpumapd.tap.bytes", "Ethernet bytes the kernel accepted from the TAP queue")),
    ERRORS("errors", "packets", "Frames the kernel refused, of any kind"),
    EAGAIN(null, "packets", "Refused: the queue's socket buffer is full", errno("EAGAIN")),
    EIO(null, "packets", "Refused: the link is down", errno("EIO")),
    ENETDOWN(null, "packets", "Refused: the network is down", errno("ENETDOWN")),
    EBADFD(null, "packets", "Refused: the queue is no longer attached to a device", errno("EBADFD")),
    EINVAL(null, "packets", "Refused: a malformed frame or vnet header", errno("EINVAL")),
    OTHER(null, "packets", "Refused for any other reason", errno("OTHER"));

    private final String label;
    private final String unit;
    private final String help;
    private final List<Export> exports;

    TapCounter(String label, String unit, String help, Export... exports) {
        this.label = label;
        this.unit = unit;
        this.help = help;
        this.exports = List.of(exports);
    }

    private static Export errno(String name) {
        return Export.tagged("cpumapd.tap.errors", "Frames the kernel refused on the TAP queue, by errno", "errno",
                name);
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
