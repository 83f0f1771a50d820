package io.cpumapd.filter;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.packet.Bytes;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import java.util.List;

/**
 * {@code rate-limit}: per source address (IPv4 or IPv6), a token bucket over all packets
 * ({@code rate_pps}, {@code burst}), one over TCP SYNs without ACK ({@code syn_pps}) and one over UDP
 * ({@code udp_pps}); a packet over any of them is dropped and counted by reason, the others go to the
 * {@code then} filter. Non-IP packets are not limited. Sources live in a bounded {@link SourceTable};
 * {@code eviction} says what a new source gets when its probe window is full. Time is the packet's
 * RX timestamp (set once per burst by the worker), or {@link System#nanoTime()} when it has none.
 */
final class RateLimitFilter implements PacketFilter, CountedFilter {
    private static final long NS_PER_S = 1_000_000_000L;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;

    /** Interval and tolerance of one GCRA bucket; interval 0 means "no limit". */
    record Limit(long intervalNs, long toleranceNs) {
        static Limit of(long perSecond, long burst) {
            if (perSecond == 0) {
                return new Limit(0, 0);
            }
            long interval = Math.max(1, NS_PER_S / perSecond);
            return new Limit(interval, (Math.max(burst, 1) - 1) * interval);
        }

        boolean enabled() {
            return intervalNs > 0;
        }
    }

    private final Limit all, syn, udp;
    private final SourceTable table;
    private final PacketFilter then;
    private final CounterBlock counters = new CounterBlock(RateLimitCounter.values().length);
    private final Headers headers = new Headers();

    RateLimitFilter(Limit all, Limit syn, Limit udp, int tableSize, SourceTable.Eviction eviction, long seed,
                    PacketFilter then) {
        this.all = all;
        this.syn = syn;
        this.udp = udp;
        this.then = then;
        this.table = new SourceTable(tableSize, eviction, seed, counters);
    }

    /** The filter it hands the packets it lets through to takes its per-burst snapshot too. */
    @Override
    public void beginBurst() {
        then.beginBurst();
    }

    @Override
    public Verdict filter(Packet packet) {
        Headers h = headers;
        h.parse(packet.dataAddress(), packet.headLength());
        int addressBytes = h.addressLength();
        if (addressBytes == 0) {
            return then.filter(packet);
        }
        long src = h.dataAddress() + h.srcAddressOffset();
        long hi = addressBytes == 4 ? Bytes.u32(src) & 0xFFFF_FFFFL : Bytes.u64(src);
        long lo = addressBytes == 4 ? -1L : Bytes.u64(src + 8); // -1: an IPv4 key never equals an IPv6 one
        long ts = packet.timestampNs();
        long now = ts != 0 ? ts : System.nanoTime();
        int slot = table.slot(hi, lo, now);
        if (slot == SourceTable.FULL_DROP) {
            return drop(RateLimitCounter.DROPPED_TABLE_FULL);
        }
        if (slot == SourceTable.FULL_UNTRACKED) {
            counters.increment(RateLimitCounter.UNTRACKED.ordinal());
            return then.filter(packet);
        }
        int protocol = h.l3Valid() ? h.l4Protocol() : -1;
        if (syn.enabled() && protocol == Headers.IPPROTO_TCP && h.l4Valid()
                && (h.tcpFlags() & (TCP_SYN | TCP_ACK)) == TCP_SYN
                && !SourceTable.admit(table.tatSynNs, slot, now, syn.intervalNs(), syn.toleranceNs())) {
            return drop(RateLimitCounter.DROPPED_SYN_FLOOD);
        }
        if (udp.enabled() && protocol == Headers.IPPROTO_UDP
                && !SourceTable.admit(table.tatUdpNs, slot, now, udp.intervalNs(), udp.toleranceNs())) {
            return drop(RateLimitCounter.DROPPED_UDP_FLOOD);
        }
        if (all.enabled() && !SourceTable.admit(table.tatAllNs, slot, now, all.intervalNs(), all.toleranceNs())) {
            return drop(RateLimitCounter.DROPPED_RATE);
        }
        return then.filter(packet);
    }

    private Verdict drop(RateLimitCounter reason) {
        counters.increment(reason.ordinal());
        return Verdict.DROP;
    }

    /** Sources in the table; never above {@link #tableSize()}. Owner thread (tests). */
    int trackedSources() {
        return table.occupied();
    }

    int tableSize() {
        return table.size();
    }

    @Override
    public List<String> counterNames() {
        return RateLimitCounter.NAMES;
    }

    @Override
    public long counter(int index) {
        return counters.get(index);
    }

    @Override
    public String name() {
        return "rate-limit";
    }
}
