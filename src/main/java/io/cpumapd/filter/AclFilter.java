package io.cpumapd.filter;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.OlFlags;
import io.cpumapd.packet.Bytes;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
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
 * <p>Lookup: a rule with a source prefix is indexed by the source table of its family (an
 * {@link Ipv4RangeTable}, an IPv6 {@link PrefixTrie}), else one with a destination prefix by the
 * destination table, else it is in a short list checked for every packet. Each table returns its
 * candidates in rule order; candidates are checked field by field
 * and the scan stops at the first rule that matches or at an index past the best found so far.
 */
final class AclFilter implements PacketFilter {

    private static final int NONE = Integer.MAX_VALUE;
    /** An untagged IPv4 frame has its whole minimal header, addresses included, within this many bytes. */
    private static final int UNTAGGED_IPV4_ADDRESSES_END = Headers.ETHER_HEADER_BYTES + 20;
    /**
     * Rules as rows of 4 longs (32 bytes): a candidate check touches one row, within one cache line
     * or two, where one array per field would touch a line per field. Row: meta (presence bits,
     * protocol, prefix lengths, families), ports (sport lo/hi, dport lo/hi), VLAN lo/hi, the upper 64
     * bits of the destination prefix. The match never reads a source prefix, nor a destination that
     * indexes the rule: its lookup already matched them. The lower 64 bits of an IPv6 destination
     * sit apart ({@link #dstLo}), read only for a destination longer than /64.
     */
    private static final int ROW = 4;
    private static final int META = 0, PORTS = 1, VLANS = 2, DST_HI = 3;
    private static final int HAS_PROTO = 1, HAS_SPORT = 2, HAS_DPORT = 4, HAS_VLAN = 8, HAS_SRC = 16, HAS_DST = 32;

    private final int defaultAction;
    private final Ipv4RangeTable src4, dst4;
    private final PrefixTrie src6, dst6;
    private final Ipv4RangeTable direct4; // src4 or dst4 when it is the only IPv4 source: it has a direct table
    // Every rule that can match an IPv4 packet has an IPv4 prefix: the lookups run on the addresses alone.
    private final boolean ipv4ByAddress;
    private static final long MISS_FOUND = (long) PrefixTrie.MISS << 32;
    private final int[] unindexed;
    private final int ruleCount;
    private final long[] rows;
    private final long[] dstLo;
    // A rule whose only condition is the prefix it is indexed by (or none at all) matches every packet
    // its lookup returns it for: its 32-byte row need not be read, and its action comes from a dense
    // array. When such a rule heads a table's candidates the table answers it directly (PrefixTrie.find),
    // so a blocklist of plain prefixes costs a range search and one action read per packet.
    private final boolean[] pure;
    private final int[] actions;
    private final Headers headers = new Headers();
    private final boolean vlanRules;

    // The packet being classified (one thread per instance).
    private int pktFamily, pktProtocol, pktSport, pktDport, pktVlan;
    // The last rule an IPv4 lookup found deciding alone, and its action (always actions[decidedRule],
    // so a stale pair from an earlier packet is still right).
    private int decidedRule = NONE, decidedAction;
    private long pktSrcHi, pktSrcLo, pktDstHi, pktDstLo;
    private final long[] addressWords = new long[4];

    AclFilter(List<AclRule> rules, int defaultAction) {
        this.defaultAction = defaultAction;
        int n = rules.size();
        ruleCount = n;
        rows = new long[n * ROW];
        dstLo = new long[n];
        pure = new boolean[n];
        actions = new int[n];
        Ipv4RangeTable.Builder s4 = new Ipv4RangeTable.Builder(), d4 = new Ipv4RangeTable.Builder();
        PrefixTrie.Builder s6 = new PrefixTrie.Builder(128), d6 = new PrefixTrie.Builder(128);
        int[] rest = new int[n];
        int restCount = 0;
        for (int i = 0; i < n; i++) {
            AclRule r = rules.get(i);
            AclRule.Prefix s = r.src(), d = r.dst();
            fill(i, r);
            if (s.present()) {
                add(s, s4, s6, i);
            } else if (d.present()) {
                add(d, d4, d6, i);
            } else {
                rest[restCount++] = i;
            }
        }
        Ipv4RangeTable bySrc4 = built(s4), byDst4 = built(d4);
        src6 = built(s6);
        dst6 = built(d6);
        // IPv4 candidates from one trie only (a blocklist, an allowlist): which rule decided does not
        // matter, only its action, so most packets are answered from the trie's direct table.
        int v4Sources = (bySrc4 != null ? 1 : 0) + (byDst4 != null ? 1 : 0) + (restCount > 0 ? 1 : 0);
        Ipv4RangeTable only4 = v4Sources != 1 ? null : bySrc4 != null ? bySrc4 : byDst4;
        direct4 = only4 == null ? null : only4.withDirect16(defaultAction); // null past 255 distinct answers
        src4 = direct4 != null && only4 == bySrc4 ? direct4 : bySrc4;
        dst4 = direct4 != null && only4 == byDst4 ? direct4 : byDst4;
        ipv4ByAddress = restCount == 0 && (src4 != null || dst4 != null);
        vlanRules = rules.stream().anyMatch(r -> r.vlanLo() >= 0);
        unindexed = java.util.Arrays.copyOf(rest, restCount);
    }

    private void fill(int i, AclRule r) {
        int b = i * ROW;
        AclRule.Prefix s = r.src(), d = r.dst();
        int presence = (r.protocol() >= 0 ? HAS_PROTO : 0) | (r.sportLo() >= 0 ? HAS_SPORT : 0)
                | (r.dportLo() >= 0 ? HAS_DPORT : 0) | (r.vlanLo() >= 0 ? HAS_VLAN : 0)
                | (s.present() ? HAS_SRC : 0) | (d.present() ? HAS_DST : 0);
        rows[b + DST_HI] = d.hi();
        dstLo[i] = d.lo();
        rows[b + META] = presence | (long) (r.protocol() & 0xFF) << 8 | (long) (Math.max(s.length(), 0)) << 16
                | (long) (Math.max(d.length(), 0)) << 24 | (long) s.family() << 32 | (long) d.family() << 40;
        rows[b + PORTS] = (r.sportLo() & 0xFFFFL) | (r.sportHi() & 0xFFFFL) << 16
                | (r.dportLo() & 0xFFFFL) << 32 | (r.dportHi() & 0xFFFFL) << 48;
        rows[b + VLANS] = (r.vlanLo() & 0xFFFFL) | (r.vlanHi() & 0xFFFFL) << 16;
        actions[i] = r.action();
        pure[i] = presence == 0 || presence == HAS_SRC || presence == HAS_DST;
    }

    private static void add(AclRule.Prefix p, Ipv4RangeTable.Builder v4, PrefixTrie.Builder v6, int rule) {
        if (p.family() == 4) {
            v4.add((int) (p.hi() >>> 32), p.length(), rule);
        } else {
            v6.add(p.hi(), p.lo(), p.length(), rule);
        }
    }

    private Ipv4RangeTable built(Ipv4RangeTable.Builder b) {
        return b.size() == 0 ? null : b.build(this::decidesAlone, r -> actions[r]);
    }

    private PrefixTrie built(PrefixTrie.Builder b) {
        return b.size() == 0 ? null : b.build(this::decidesAlone);
    }

    private boolean decidesAlone(int rule) {
        return pure[rule];
    }

    /** Whether IPv4 packets are answered from a direct table first (see the constructor). */
    boolean answersIpv4Directly() {
        return direct4 != null;
    }

    /** Whether untagged IPv4 frames are looked up by their addresses before any parse. */
    boolean looksUpIpv4ByAddress() {
        return ipv4ByAddress;
    }

    int ruleCount() {
        return ruleCount;
    }

    @Override
    public Verdict filter(Packet packet) {
        if (ipv4ByAddress && packet.headLength() >= UNTAGGED_IPV4_ADDRESSES_END) {
            // An untagged IPv4 frame needs nothing but its addresses when the rules that decide are
            // plain prefixes, or none is: no header parse. A blocklist's /16 direct answer first.
            long base = packet.dataAddress();
            long head = Bytes.u64(base + 12); // EtherType, version and IHL, ...
            if ((int) (head >>> 48) == Headers.ETH_P_IPV4 && (head >>> 44 & 0xF) == 4) {
                long pair = Bytes.u64(base + Headers.ETHER_HEADER_BYTES + 12); // source, destination
                int src = (int) (pair >>> 32), dst = (int) pair;
                if (direct4 != null) {
                    int answer = direct4.direct16(direct4 == src4 ? src : dst);
                    if (answer != Ipv4RangeTable.NOT_DIRECT) {
                        return act(packet, answer);
                    }
                }
                long bySrc = src4 != null ? src4.find(src) : MISS_FOUND;
                long byDst = dst4 != null ? dst4.find(dst) : MISS_FOUND;
                int srcCode = (int) (bySrc >>> 32), dstCode = (int) (byDst >>> 32);
                if (settled(srcCode) && settled(dstCode)) {
                    int srcRule = srcCode == PrefixTrie.MISS ? NONE : srcCode;
                    int dstRule = dstCode == PrefixTrie.MISS ? NONE : dstCode;
                    return act(packet, srcRule == NONE && dstRule == NONE ? defaultAction
                            : srcRule < dstRule ? (int) bySrc : (int) byDst);
                }
                // Candidates with conditions beyond the prefix: they need the parsed headers.
                load(packet);
                return act(packet, actionOf(decide(dst4, dstCode, decide(src4, srcCode, NONE))));
            }
        }
        load(packet);
        int best = NONE;
        if (pktFamily == 4 && direct4 != null) { // a tagged frame: its direct answer now
            int answer = direct4.direct16((int) ((direct4 == src4 ? pktSrcHi : pktDstHi) >>> 32));
            if (answer != Ipv4RangeTable.NOT_DIRECT) {
                return act(packet, answer);
            }
        }
        // The parse uses up most of what the compiler inlines into one method: each lookup below is
        // made only when its table exists.
        if (pktFamily == 4) {
            if (src4 != null) {
                best = first4(src4, (int) (pktSrcHi >>> 32), best);
            }
            if (dst4 != null) {
                best = first4(dst4, (int) (pktDstHi >>> 32), best);
            }
        } else if (pktFamily == 6) {
            if (src6 != null) {
                best = first(src6, pktSrcHi, pktSrcLo, best);
            }
            if (dst6 != null) {
                best = first(dst6, pktDstHi, pktDstLo, best);
            }
        }
        if (unindexed.length != 0) {
            best = scan(unindexed, best);
        }
        // The IPv4 lookup hands over a deciding rule's action with it: one dependent read fewer.
        return act(packet, best == NONE ? defaultAction : best == decidedRule ? decidedAction : actions[best]);
    }

    /** Whether a lookup answer needs no header field: no candidate, or a rule that decides alone. */
    private static boolean settled(int code) {
        return code == PrefixTrie.MISS || (code >= 0 && code < PrefixTrie.CHECK);
    }

    /** The action of rule {@code best}, or the default for {@link #NONE}. */
    private int actionOf(int best) {
        return best == NONE ? defaultAction : actions[best];
    }

    /** The first rule below {@code best} that {@code trie} finds for the address and that matches, else {@code best}. */
    private int first(PrefixTrie trie, long hi, long lo, int best) {
        int code = trie.find(hi, lo);
        return isList(code) ? scan(trie.list(code), best) : decide(code, best);
    }

    /** {@link #first} for an IPv4 address; a deciding rule's action is kept in {@link #decidedAction}. */
    private int first4(Ipv4RangeTable table, int address, int best) {
        long found = table.find(address);
        int code = (int) (found >>> 32);
        if (code >= 0 && code < best && code < PrefixTrie.CHECK) {
            decidedRule = code;
            decidedAction = (int) found;
            return code;
        }
        return decide(table, code, best);
    }

    /** The first rule below {@code best} that matches among the candidates {@code code} names, else {@code best}. */
    private int decide(Ipv4RangeTable table, int code, int best) {
        return isList(code) ? scan(table.list(code), best) : decide(code, best);
    }

    /** {@link #decide(Ipv4RangeTable, int, int)} for an answer that is not a list. */
    private int decide(int code, int best) {
        if (code >= PrefixTrie.CHECK) { // one candidate: its row, no list to read
            int rule = code - PrefixTrie.CHECK;
            return rule < best && matches(rule) ? rule : best;
        }
        if (code >= 0) { // the first candidate decides alone: no row, no list to read
            return Math.min(code, best);
        }
        return best; // no candidate
    }

    /** Whether a lookup answer names a candidate list. */
    private static boolean isList(int code) {
        return code < 0 && code != PrefixTrie.MISS;
    }

    /** The verdict of an action: a cpu (&ge; 0), {@link AclRule#DROP} or {@link AclRule#PASS}. */
    static Verdict act(Packet packet, int action) {
        // Small enough to be inlined at every call site (a switch's bytecode is not).
        return action >= 0 ? packet.redirect(action) : action == AclRule.DROP ? Verdict.DROP : Verdict.PASS;
    }

    private void load(Packet packet) {
        Headers h = headers;
        h.parse(packet.dataAddress(), packet.headLength());
        long base = h.dataAddress();
        pktFamily = 0;
        int words = h.addressLength() / 4; // source then destination, adjacent: 8 or 32 bytes
        if (words != 0) {
            // One read site in a loop: each site inlines the whole FFM access chain, and what the
            // compiler inlines into one method is bounded (the lookups after this must fit too).
            long at = base + h.srcAddressOffset();
            for (int k = 0; k < words; k++) {
                addressWords[k] = Bytes.u64(at + 8L * k);
            }
        }
        if (words == 1) {
            pktFamily = 4;
            pktSrcHi = addressWords[0] & 0xFFFF_FFFF_0000_0000L;
            pktDstHi = addressWords[0] << 32;
            pktSrcLo = 0;
            pktDstLo = 0;
        } else if (words == 4) {
            pktFamily = 6;
            pktSrcHi = addressWords[0];
            pktSrcLo = addressWords[1];
            pktDstHi = addressWords[2];
            pktDstLo = addressWords[3];
        }
        pktProtocol = h.l3Valid() ? h.l4Protocol() : -1;
        pktSport = h.l4Valid() ? h.srcPort() : -1;
        pktDport = h.l4Valid() ? h.dstPort() : -1;
        if (!vlanRules) { // no rule reads it: no look at the mbuf's flags
            pktVlan = -1;
        } else if (h.vlanCount() > 0) {
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
            if (pure[r] || matches(r)) {
                return r;
            }
        }
        return best;
    }

    private boolean matches(int r) {
        long[] t = rows;
        int b = r * ROW;
        long meta = t[b + META];
        int presence = (int) meta & 0xFF;
        if ((presence & HAS_PROTO) != 0 && (int) (meta >>> 8 & 0xFF) != pktProtocol) {
            return false;
        }
        if ((presence & (HAS_SPORT | HAS_DPORT)) != 0) {
            long ports = t[b + PORTS];
            if ((presence & HAS_SPORT) != 0 && !inRange(pktSport, ports)) {
                return false;
            }
            if ((presence & HAS_DPORT) != 0 && !inRange(pktDport, ports >>> 32)) {
                return false;
            }
        }
        if ((presence & HAS_VLAN) != 0 && !inRange(pktVlan, t[b + VLANS])) {
            return false;
        }
        // The prefix a rule is indexed by (its source, else its destination) holds for every packet
        // its lookup returns it for: only a destination beside a source is left to check.
        if ((presence & (HAS_SRC | HAS_DST)) != (HAS_SRC | HAS_DST)) {
            return true;
        }
        int length = (int) (meta >>> 24 & 0xFF);
        long hi = t[b + DST_HI];
        if ((int) (meta >>> 40 & 0xFF) != pktFamily) {
            return false;
        }
        if (length <= 64) {
            return ((pktDstHi ^ hi) & AclRule.Prefix.mask(length)) == 0;
        }
        return pktDstHi == hi && ((pktDstLo ^ dstLo[r]) & AclRule.Prefix.mask(length - 64)) == 0;
    }

    /** {@code value} within the 16-bit lo (bits 0-15) and hi (bits 16-31) of {@code range}; -1 never is. */
    private static boolean inRange(int value, long range) {
        return value >= (int) (range & 0xFFFF) && value <= (int) (range >>> 16 & 0xFFFF);
    }

    /**
     * The cpumap keys its rules and its default may redirect to (each once, ascending): what the cpumap's
     * cycle check needs of an ACL program, whose {@code redirect:N} rules name their keys themselves.
     */
    public int[] redirectKeys() {
        java.util.TreeSet<Integer> keys = new java.util.TreeSet<>();
        for (int a : actions) {
            if (a >= 0) {
                keys.add(a);
            }
        }
        if (defaultAction >= 0) {
            keys.add(defaultAction);
        }
        return keys.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String name() {
        return "acl";
    }
}
