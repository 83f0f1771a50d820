package io.cpumapd.filter;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import io.cpumapd.skb.OlFlags;

import java.util.List;

/**
 * {@code acl}: ordered rules, the first that matches decides; none matching gives the
 * {@code default} action ({@code pass} unless set).
 *
 * <p>Rules come from the {@code rules} parameter (a file, one rule per line, {@code #} comments)
 * followed by the {@code rule.N} parameters in ascending N. A rule is an action then fields:
 * <pre>
 *   drop        proto=udp dport=9
 *   redirect:2  src=198.18.0.0/15 dport=1024-65535
 *   pass        src=2001:db8::/32 dst=2001:db8:1::/48 proto=tcp sport=443 vlan=10-19
 *   drop                                  # no field: matches every packet
 * </pre>
 * Actions: {@code drop}, {@code pass}, {@code redirect:<cpu>}. Fields: {@code src}, {@code dst}
 * (CIDR or bare address, IPv4 or IPv6; a prefix matches only its own family), {@code proto} (name or
 * number), {@code sport}, {@code dport} ({@code N} or {@code N-M}; only TCP, UDP and SCTP packets
 * that carry the header have ports, so a later fragment never matches a port rule), {@code vlan}
 * ({@code N} or {@code N-M}: the outer tag's VLAN id, or the one the NIC stripped).
 *
 * <p>Lookup: a rule with a source prefix is indexed in the source {@link PrefixTrie} of its family,
 * else one with a destination prefix in the destination trie, else it is in a short list checked for
 * every packet. Each trie returns its candidates in rule order; candidates are checked field by field
 * and the scan stops at the first rule that matches or at an index past the best found so far.
 */
final class AclFilter implements PacketFilter {
    private static final int NONE = Integer.MAX_VALUE;

    private final int defaultAction;
    private final PrefixTrie src4, dst4, src6, dst6;
    private final int[] unindexed;
    private final int ruleCount;
    // One array per field, index = rule order: a candidate check touches only the fields it needs.
    private final int[] action, protocol, sportLo, sportHi, dportLo, dportHi, vlanLo, vlanHi, srcFamily, dstFamily, srcLength, dstLength;
    private final long[] srcHi, srcLo, dstHi, dstLo;
    private final Headers headers = new Headers();

    // The packet being classified (one thread per instance).
    private int pktFamily, pktProtocol, pktSport, pktDport, pktVlan;
    private long pktSrcHi, pktSrcLo, pktDstHi, pktDstLo;

    AclFilter(List<AclRule> rules, int defaultAction) {
        this.defaultAction = defaultAction;
        int n = rules.size();
        ruleCount = n;
        action = new int[n]; protocol = new int[n];
        sportLo = new int[n]; sportHi = new int[n]; dportLo = new int[n]; dportHi = new int[n];
        vlanLo = new int[n]; vlanHi = new int[n];
        srcFamily = new int[n]; dstFamily = new int[n]; srcLength = new int[n]; dstLength = new int[n];
        srcHi = new long[n]; srcLo = new long[n]; dstHi = new long[n]; dstLo = new long[n];
        PrefixTrie.Builder s4 = new PrefixTrie.Builder(32), d4 = new PrefixTrie.Builder(32);
        PrefixTrie.Builder s6 = new PrefixTrie.Builder(128), d6 = new PrefixTrie.Builder(128);
        int[] rest = new int[n];
        int restCount = 0;
        for (int i = 0; i < n; i++) {
            AclRule r = rules.get(i);
            action[i] = r.action(); protocol[i] = r.protocol();
            sportLo[i] = r.sportLo(); sportHi[i] = r.sportHi(); dportLo[i] = r.dportLo(); dportHi[i] = r.dportHi();
            vlanLo[i] = r.vlanLo(); vlanHi[i] = r.vlanHi();
            AclRule.Prefix s = r.src(), d = r.dst();
            srcFamily[i] = s.family(); srcLength[i] = s.length(); srcHi[i] = s.hi(); srcLo[i] = s.lo();
            dstFamily[i] = d.family(); dstLength[i] = d.length(); dstHi[i] = d.hi(); dstLo[i] = d.lo();
            if (s.present()) {
                (s.family() == 4 ? s4 : s6).add(s.hi(), s.lo(), s.length(), i);
            } else if (d.present()) {
                (d.family() == 4 ? d4 : d6).add(d.hi(), d.lo(), d.length(), i);
            } else {
                rest[restCount++] = i;
            }
        }
        src4 = built(s4); dst4 = built(d4); src6 = built(s6); dst6 = built(d6);
        unindexed = java.util.Arrays.copyOf(rest, restCount);
    }

    private static PrefixTrie built(PrefixTrie.Builder b) {
        return b.size() == 0 ? null : b.build();
    }

    int ruleCount() {
        return ruleCount;
    }

    @Override
    public Verdict filter(Packet packet) {
        load(packet);
        int best = NONE;
        if (pktFamily == 4) {
            best = scan(src4 == null ? PrefixTrie.EMPTY : src4.lookup(pktSrcHi, 0), best);
            best = scan(dst4 == null ? PrefixTrie.EMPTY : dst4.lookup(pktDstHi, 0), best);
        } else if (pktFamily == 6) {
            best = scan(src6 == null ? PrefixTrie.EMPTY : src6.lookup(pktSrcHi, pktSrcLo), best);
            best = scan(dst6 == null ? PrefixTrie.EMPTY : dst6.lookup(pktDstHi, pktDstLo), best);
        }
        best = scan(unindexed, best);
        return act(packet, best == NONE ? defaultAction : action[best]);
    }

    static Verdict act(Packet packet, int action) {
        return switch (action) {
            case AclRule.DROP -> Verdict.DROP;
            case AclRule.PASS -> Verdict.PASS;
            default -> packet.redirect(action);
        };
    }

    private void load(Packet packet) {
        Headers h = headers;
        h.parse(packet.dataAddress(), packet.length());
        long base = h.dataAddress();
        pktFamily = 0;
        if (h.addressLength() == 4) {
            pktFamily = 4;
            pktSrcHi = (long) Bytes.u32(base + h.srcAddressOffset()) << 32;
            pktDstHi = (long) Bytes.u32(base + h.dstAddressOffset()) << 32;
            pktSrcLo = 0;
            pktDstLo = 0;
        } else if (h.addressLength() == 16) {
            pktFamily = 6;
            pktSrcHi = Bytes.u64(base + h.srcAddressOffset());
            pktSrcLo = Bytes.u64(base + h.srcAddressOffset() + 8);
            pktDstHi = Bytes.u64(base + h.dstAddressOffset());
            pktDstLo = Bytes.u64(base + h.dstAddressOffset() + 8);
        }
        pktProtocol = h.l3Valid() ? h.l4Protocol() : -1;
        pktSport = h.l4Valid() ? h.srcPort() : -1;
        pktDport = h.l4Valid() ? h.dstPort() : -1;
        if (h.vlanCount() > 0) {
            pktVlan = h.outerVlanTci() & 0x0FFF;
        } else if ((packet.olFlags() & OlFlags.RX_VLAN_STRIPPED) != 0) {
            pktVlan = Mbuf.vlanTci(packet.mbuf()) & 0x0FFF;
        } else {
            pktVlan = -1;
        }
    }

    /** The first rule of {@code candidates} below {@code best} that matches, else {@code best}. */
    private int scan(int[] candidates, int best) {
        for (int r : candidates) {
            if (r >= best) {
                return best;
            }
            if (matches(r)) {
                return r;
            }
        }
        return best;
    }

    private boolean matches(int r) {
        return (protocol[r] < 0 || protocol[r] == pktProtocol)
                && (sportLo[r] < 0 || (pktSport >= sportLo[r] && pktSport <= sportHi[r]))
                && (dportLo[r] < 0 || (pktDport >= dportLo[r] && pktDport <= dportHi[r]))
                && (vlanLo[r] < 0 || (pktVlan >= vlanLo[r] && pktVlan <= vlanHi[r]))
                && (srcLength[r] < 0 || (srcFamily[r] == pktFamily && contains(srcHi[r], srcLo[r], srcLength[r], pktSrcHi, pktSrcLo)))
                && (dstLength[r] < 0 || (dstFamily[r] == pktFamily && contains(dstHi[r], dstLo[r], dstLength[r], pktDstHi, pktDstLo)));
    }

    private static boolean contains(long hi, long lo, int length, long addrHi, long addrLo) {
        if (length <= 64) {
            return ((addrHi ^ hi) & AclRule.Prefix.mask(length)) == 0;
        }
        return addrHi == hi && ((addrLo ^ lo) & AclRule.Prefix.mask(length - 64)) == 0;
    }

    @Override
    public String name() {
        return "acl";
    }
}
