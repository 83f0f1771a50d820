package io.cpumapd.filter;

import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/**
 * {@code l4-hash}: {@link FlowHash#symmetricPair} modulo the target count, so both directions of a
 * conversation (and all fragments of a packet) land on the same target. Non-IP to the first target;
 * a frame too short for its Ethernet header is PASSed, as in the kernel sample.
 */
final class L4HashFilter implements PacketFilter {
    private final TargetSet targets;
    /** The set as of the last {@link #beginBurst()} (the constructor's before the first). */
    private int[] keys;
    private final Headers headers = new Headers();

    L4HashFilter(TargetSet targets) {
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
        int[] keys = this.keys;
        if (!headers.parse(packet.dataAddress(), packet.headLength())) {
            return Verdict.PASS;
        }
        return packet.redirect(keyFor(headers, keys));
    }

    /** The target of an already parsed packet; shared with filters that delegate to the hash. */
    static int keyFor(Headers headers, int[] keys) {
        if (headers.addressLength() == 0 || keys.length == 0) {
            return Targets.pick(keys, 0);
        }
        return keys[FlowHash.index(FlowHash.symmetricPair(headers), keys.length)];
    }

    @Override
    public String name() {
        return "l4-hash";
    }
}
