package io.cpumapd.filter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * IPv4 prefixes of one direction (e.g. sources) mapped to the ACL rules that name them, as elementary
 * address ranges: every prefix start and every address just past a prefix end begins a range whose
 * candidates are the same for all its addresses (a {@link PrefixTrie} built from the same prefixes
 * tells which; neighbours with the same candidates merge). Answers are coded as
 * {@link PrefixTrie#find}'s.
 *
 * <p>Triples of (range start, answer, payload) in one sorted array searched from an 8192-slot index:
 * 10,000 prefixes take ~240 KiB here against megabytes of trie nodes, and answer and payload sit
 * beside the start that found them: a lookup reads the index and one or two lines of triples, where
 * separate arrays would add a dependent cache miss each. (Under traffic the mbufs stream through the
 * caches and evict these tables, so the lines a lookup touches are what it costs.) Starts are stored
 * with the sign bit flipped so that signed order is address order.
 */
final class Ipv4RangeTable {
    static final int RANGE_INDEX_BITS = 13;
    private static final int TRIPLE = 3;
    /** What {@link #direct16} returns when the address's /16 needs the search (several answers, or a list). */
    static final int NOT_DIRECT = Integer.MIN_VALUE;
    /** The most distinct answers a direct table holds, {@link #NOT_DIRECT} included. */
    static final int DIRECT_ANSWERS = 256;

    private final int[][] lists;
    /** Per index slot, the range holding the slot's first address; one more slot holds the last range. */
    private final int[] rangeIndex;
    private final int[] ranges;
    // One bit per /16 that no prefix touches (8 KiB): most addresses of a random spread of prefixes
    // are answered MISS there without the search (a rule set with prefixes on both sides looks up
    // both addresses, and few of them are in a listed /16).
    private final long[] uncovered;
    /** On request ({@link #withDirect16}): per /16, one byte indexing {@link #directAnswers}. */
    private final byte[] direct;
    private final int[] directAnswers;

    private Ipv4RangeTable(int[][] lists, int[] rangeIndex, int[] ranges, byte[] direct, int[] directAnswers) {
        this.lists = lists;
        this.rangeIndex = rangeIndex;
        this.ranges = ranges;
        this.direct = direct;
        this.directAnswers = directAnswers;
        this.uncovered = uncoveredBits();
    }

    /**
     * The {@link PrefixTrie#find} answer for {@code address} in the high 32 bits, and when it is a
     * rule, that rule's payload in the low 32.
     */
    long find(int address) {
        if ((uncovered[address >>> 22] & 1L << (address >>> 16)) != 0) {
            return (long) PrefixTrie.MISS << 32;
        }
        int at = TRIPLE * range(address);
        return (long) ranges[at + 1] << 32 | ranges[at + 2] & 0xFFFF_FFFFL;
    }

    /** The candidate list of a negative {@link #find} answer other than {@link PrefixTrie#MISS}. */
    int[] list(int code) {
        return lists[~code];
    }

    /** See {@link #withDirect16}. */
    int direct16(int address) {
        return directAnswers[direct[address >>> 16] & 0xFF];
    }

    /**
     * This table with a direct table of the 65,536 /16s, one byte each (64 KiB: under traffic the mbufs
     * streaming through the core evict what is large). A /16 that one range covers whole, with a
     * deciding rule or with no rule, is answered by {@link #direct16}: that rule's payload, or
     * {@code missAnswer} when no prefix covers it; the others answer {@link #NOT_DIRECT} and go through
     * {@link #find}. The byte indexes a small array of the distinct answers, so a blocklist's addresses
     * cost one read of one line of a small table. For a caller that needs the payload only, not which
     * rule gave it. Null when the whole /16s have more distinct answers than a byte indexes.
     */
    Ipv4RangeTable withDirect16(int missAnswer) {
        byte[] d = new byte[1 << 16];
        Map<Integer, Integer> index = new HashMap<>();
        int[] answers = new int[DIRECT_ANSWERS];
        answers[0] = NOT_DIRECT;
        int count = 1;
        int[] whole = wholeRanges();
        for (int slot = 0; slot < d.length; slot++) {
            int r = whole[slot];
            int code = r < 0 ? 0 : ranges[TRIPLE * r + 1];
            if (r < 0 || (code != PrefixTrie.MISS && (code < 0 || code >= PrefixTrie.CHECK))) {
                continue; // byte 0: NOT_DIRECT
            }
            int answer = code == PrefixTrie.MISS ? missAnswer : ranges[TRIPLE * r + 2];
            Integer at = index.get(answer);
            if (at == null) {
                if (count == DIRECT_ANSWERS || answer == NOT_DIRECT) {
                    return null;
                }
                at = count;
                answers[count++] = answer;
                index.put(answer, at);
            }
            d[slot] = (byte) (int) at;
        }
        return new Ipv4RangeTable(lists, rangeIndex, ranges, d, Arrays.copyOf(answers, count));
    }

    /** The elementary range holding {@code address}: the last start at or below it. */
    private int range(int address) {
        int key = address ^ Integer.MIN_VALUE;
        int top = address >>> (32 - RANGE_INDEX_BITS);
        int[] r = ranges;
        int lo = rangeIndex[top];            // r[3 * lo] <= the slot's first address <= address
        int n = rangeIndex[top + 1] + 1 - lo; // past any range that starts inside this slot
        while (n > 1) {                      // no data-dependent branch: the compiler emits a cmov
            int half = n >>> 1;
            lo = r[TRIPLE * (lo + half)] <= key ? lo + half : lo;
            n -= half;
        }
        return lo;
    }

    /** Per /16, the range that covers it whole, or -1 when several ranges share it. */
    private int[] wholeRanges() {
        int n = ranges.length / TRIPLE;
        int[] whole = new int[1 << 16];
        int r = 0;
        for (int slot = 0; slot < whole.length; slot++) {
            long first = (long) slot << 16;
            while (r + 1 < n && start(r + 1) <= first) {
                r++;
            }
            whole[slot] = r + 1 >= n || start(r + 1) >= first + (1 << 16) ? r : -1;
        }
        return whole;
    }

    private long[] uncoveredBits() {
        long[] bits = new long[(1 << 16) / 64];
        int[] whole = wholeRanges();
        for (int slot = 0; slot < whole.length; slot++) {
            if (whole[slot] >= 0 && ranges[TRIPLE * whole[slot] + 1] == PrefixTrie.MISS) {
                bits[slot >>> 6] |= 1L << slot;
            }
        }
        return bits;
    }

    /** The range {@code r}'s first address, unsigned. */
    private long start(int r) {
        return (ranges[TRIPLE * r] ^ Integer.MIN_VALUE) & 0xFFFF_FFFFL;
    }

    /** Collects prefixes (control path), then builds the immutable table. */
    static final class Builder {
        private final PrefixTrie.Builder trie = new PrefixTrie.Builder(32);
        /** Where a range may begin: every prefix start and the address just past every prefix end. */
        private final TreeSet<Long> cuts = new TreeSet<>();

        Builder() {
            cuts.add(0L);
        }

        /** Adds rule {@code rule} (below {@link PrefixTrie#CHECK}); rules must be added in ascending index order. */
        void add(int address, int length, int rule) {
            trie.add((long) address << 32, 0, length, rule);
            long start = address & (0xffffffffL << (32 - length)) & 0xffffffffL;
            long end = start + (1L << (32 - length));
            cuts.add(start);
            if (end <= 0xffffffffL) {
                cuts.add(end);
            }
        }

        int size() {
            return trie.size();
        }

        /**
         * The immutable table; {@code decidesAlone} as for {@link PrefixTrie.Builder#build},
         * {@code payloadOf} what {@link Ipv4RangeTable#find} returns beside a deciding rule.
         */
        Ipv4RangeTable build(IntPredicate decidesAlone, IntUnaryOperator payloadOf) {
            PrefixTrie t = trie.build(decidesAlone);
            int[] starts = new int[cuts.size()];
            int[] ids = new int[cuts.size()];
            int n = 0;
            for (long cut : cuts) {
                int id = t.listId(cut << 32, 0);
                if (n > 0 && ids[n - 1] == id) {
                    continue;
                }
                starts[n] = (int) cut ^ Integer.MIN_VALUE;
                ids[n++] = id;
            }
            // index[slot]: the range holding the slot's first address; the one past the last slot holds
            // the last range, so [index[slot], index[slot + 1] + 1) always brackets an address of the slot.
            int[] index = new int[(1 << RANGE_INDEX_BITS) + 1];
            int r = 0;
            for (int slot = 0; slot <= 1 << RANGE_INDEX_BITS; slot++) {
                long first = (long) slot << (32 - RANGE_INDEX_BITS);
                while (r + 1 < n && ((starts[r + 1] ^ Integer.MIN_VALUE) & 0xffffffffL) <= first) {
                    r++;
                }
                index[slot] = r;
            }
            int[] triples = new int[TRIPLE * n];
            for (int i = 0; i < n; i++) {
                int code = t.code(ids[i]);
                triples[TRIPLE * i] = starts[i];
                triples[TRIPLE * i + 1] = code;
                triples[TRIPLE * i + 2] = code >= 0 && code < PrefixTrie.CHECK ? payloadOf.applyAsInt(code) : 0;
            }
            // The trie's nodes are not kept: only its candidate lists.
            return new Ipv4RangeTable(t.lists(), index, triples, null, null);
        }
    }
}
