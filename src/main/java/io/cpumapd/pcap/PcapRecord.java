package io.cpumapd.pcap;

import java.util.Arrays;

/**
 * One packet record of a classic pcap file.
 *
 * @param data           the captured bytes (may be shorter than {@code originalLength} when the
 *                       capture was cut at the snapshot length)
 * @param originalLength the length the packet had on the wire
 * @param timestampNanos capture time, nanoseconds since the Unix epoch (microsecond files are
 *                       scaled up, so their last three digits are zero)
 * @param linkType       the file's LINKTYPE_ value, e.g. {@link PcapFormat#LINKTYPE_ETHERNET}
 */
public record PcapRecord(byte[] data, int originalLength, long timestampNanos, int linkType) {

    public PcapRecord {
        if (originalLength < 0) {
            throw new IllegalArgumentException("originalLength < 0: " + originalLength);
        }
    }

    public int capturedLength() {
        return data.length;
    }

    public boolean truncated() {
        return data.length < originalLength;
    }

    // Records carry arrays, so the generated equals would compare identities: compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof PcapRecord r && originalLength == r.originalLength
                && timestampNanos == r.timestampNanos && linkType == r.linkType
                && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Long.hashCode(timestampNanos) + originalLength;
    }

    @Override
    public String toString() {
        return "PcapRecord[len=" + data.length + "/" + originalLength + ", ts=" + timestampNanos
                + "ns, linkType=" + linkType + "]";
    }
}
