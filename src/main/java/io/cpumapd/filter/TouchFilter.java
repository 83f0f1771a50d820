package io.cpumapd.filter;

import io.cpumapd.dpdk.Native;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code touch}: reads the Ethernet type field, drops 802.3 length frames (type &lt; 1536), sends the
 * rest to the first target. A frame shorter than an Ethernet header is ABORTED, as in the kernel
 * sample. The raw type field is read (no VLAN walk): a tag's TPID is a valid EtherType.
 */
final class TouchFilter implements PacketFilter {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;

    TouchFilter(TargetSet targets) {
        this.targets = targets;
        this.keys = targets.keys();
    }

    /** Once per burst: the target set every packet of the burst uses (one volatile read, not one per packet). */
    @Override
    public void beginBurst() {
        keys = targets.keys();
    }

    @Override
    public Verdict filter(Packet packet) {
        if (packet.headLength() < Headers.ETHER_HEADER_BYTES) {
            return Verdict.ABORTED;
        }
        int type = Short.toUnsignedInt(Native.ALL.get(U16, packet.dataAddress() + 12));
        if (type < Headers.ETH_P_802_3_MIN) {
            return Verdict.DROP;
        }
        return packet.redirect(Targets.pick(keys, 0));
    }

    @Override
    public String name() {
        return "touch";
    }
}
