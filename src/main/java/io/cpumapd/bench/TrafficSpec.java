package io.cpumapd.bench;

import java.util.Locale;

/**
 * What a benchmark source sends: {@code small-udp} (the default: 64 UDP flows of 60-byte frames,
 * written into the pool once) or bulk traffic of {@link SegmentTraffic} ({@code tcp}: full-sized
 * segments in sequence; {@code udp}: equal-sized datagrams), written frame by frame as it is sent.
 *
 * @param payloadBytes 0: a full-sized segment or datagram on a 1500-byte MTU
 */
public record TrafficSpec(String kind, int flows, int payloadBytes, boolean timestamps, boolean ipv6, int train) {
    public static final String SMALL_UDP = "small-udp";
    public static final String TCP = "tcp";
    public static final String UDP = "udp";

    public static TrafficSpec smallUdp() {
        return new TrafficSpec(SMALL_UDP, 64, 0, false, false, 1);
    }

    public TrafficSpec {
        if (!kind.equals(SMALL_UDP) && !kind.equals(TCP) && !kind.equals(UDP)) {
            throw new IllegalArgumentException("unknown traffic '" + kind + "': use " + SMALL_UDP + ", " + TCP + " or "
                    + UDP);
        }
        if (kind.equals(SMALL_UDP) && (timestamps || ipv6 || payloadBytes != 0)) {
            throw new IllegalArgumentException("--timestamps, --ipv6 and --payload apply to tcp and udp traffic");
        }
        if (flows < 1 || flows > SegmentTraffic.MAX_FLOWS) {
            throw new IllegalArgumentException("--flows must be 1.." + SegmentTraffic.MAX_FLOWS + ": " + flows);
        }
        if (timestamps && !kind.equals(TCP)) {
            throw new IllegalArgumentException("--timestamps is a TCP option: use it with --traffic tcp");
        }
    }

    /** True for the bulk kinds, which a source must write frame by frame to keep them in sequence. */
    public boolean segmented() {
        return !kind.equals(SMALL_UDP);
    }

    /** A new generator (each sender its own: it keeps the flows' sequence state); null for small-udp. */
    public SegmentTraffic create() {
        if (!segmented()) {
            return null;
        }
        return new SegmentTraffic(kind.equals(TCP) ? SegmentTraffic.Kind.TCP : SegmentTraffic.Kind.UDP, flows,
                payloadBytes, timestamps, ipv6, train);
    }

    @Override
    public String toString() {
        return segmented() ? create().toString() : String.format(Locale.ROOT, "%s %d flows", kind, flows);
    }
}
