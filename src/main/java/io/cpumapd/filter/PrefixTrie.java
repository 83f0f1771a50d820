package io.cpumapd.filter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Address prefixes of one family and one direction (e.g. IPv4 sources) mapped to the ACL rules that
 * name them. A multibit trie: a root indexed by the first 8, 12 or 16 address bits (more for more
 * prefixes, and 16 for every IPv6 trie, whose prefixes are long: a 2^16-slot root costs 512 KiB), then nodes of 16 slots per further 4 bits. Each slot holds the rules whose prefix covers every address under
 * it, its ancestors' rules included (pushed down at build time), so a lookup walks until a slot has
 * no child and returns that slot's list: a complete, sorted candidate list, no merge, no allocation.
 * Child and list of a slot sit side by side in one int array, so each step is one cache line.
 * (A bit-vector per dimension would cost ~160 words to AND per packet at 10,000 rules; 4-bit strides
 * from the first bit cost ~8 dependent cache misses for a /32 in a large table.)
 */
final class PrefixTrie {
    static final int STRIDE_BITS = 4;
    private static final int FANOUT = 1 << STRIDE_BITS;
    static final int[] EMPTY = new int[0];

    /** What {@link #find} returns when no prefix contains the address. */
    static final int MISS = Integer.MIN_VALUE;
    /**
     * Added to a rule index in a {@link #find} answer when that rule is the only candidate and has
     * conditions beyond its prefix: one row to check, no list to read. Rule indexes stay below it.
     */
    static final int CHECK = 1 << 30;

    /** Per slot s: [2s] the first slot of its child node (0: none), [2s+1] its list id. */
    private final int[] table;
    private final int[][] lists;
    /** Per list id, its {@link #find} answer (see there). */
    private final int[] codes;
    private final int addressBits;
    private final int rootBits;
    /** Per list id, the payload of its deciding rule (0 when it has none). */
    private final int[] payloads;
    // IPv4 only: the same answers as elementary address ranges (at most two per prefix), triples of
    // (range start, find answer, payload) in one sorted array searched from an 8192-slot index. 10,000
    // prefixes take ~240 KiB here against megabytes of trie nodes, and answer and payload sit beside
    // the start that found them: a lookup reads the index and one or two lines of triples, where
    // separate arrays would add a dependent cache miss each. (Under traffic the mbufs stream through
    // the caches and evict these tables, so the lines a lookup touches are what it costs.)
    // Starts are stored with the sign bit flipped so that signed order is address order.
    private final int[] rangeIndex;
    private final int[] ranges;
    private static final int TRIPLE = 3;
    // IPv4: one bit per /16 that no prefix touches (8 KiB): most addresses of a random spread of
    // prefixes are answered MISS there without the search (a rule set with prefixes on both sides
    // looks up both addresses, and few of them are in a listed /16).
    private final long[] uncovered;
    /**
     * IPv4, on request ({@link #withDirect16}): per /16, one byte indexing {@link #directAnswers}: 0
     * for {@link #NOT_DIRECT}, else the one answer of the whole /16.
     */
    private final byte[] direct;
    private final int[] directAnswers;

    /** What {@link #direct16} returns when the address's /16 needs the search (several answers, or a list). */
    static final int NOT_DIRECT = Integer.MIN_VALUE;
    /** The most distinct answers a direct table holds, {@link #NOT_DIRECT} included. */
    static final int DIRECT_ANSWERS = 256;

    private PrefixTrie(int[] table, int[][] lists, int[] codes, int[] payloads, int addressBits, int rootBits,
            int[] rangeIndex, int[] ranges, long[] uncovered, byte[] direct, int[] directAnswers) {
        this.uncovered = uncovered;
        this.direct = direct;
        this.directAnswers = directAnswers;
        this.table = table;
        this.lists = lists;
        this.codes = codes;
        this.payloads = payloads;
        this.addressBits = addressBits;
        this.rootBits = rootBits;
        this.rangeIndex = rangeIndex;
        this.ranges = ranges;
    }

    /**
     * The candidate rules for the address {@code hi:lo} in a trie without the IPv4 range form (IPv6;
     * an IPv4 trie answers through {@link #find4}), coded:
     * {@link #MISS} when there are none; a rule index (&ge; 0) when the first candidate is a rule the
     * builder's {@code decidesAlone} accepted, so no other candidate of this trie can matter;
     * {@link #CHECK} plus a rule index when that rule is the only candidate and needs its conditions
     * checked; else the complement of a list id, whose rules (ascending) {@link #list} gives.
     */
    int find(long hi, long lo) {
        return codes[walk(hi, lo)];
    }

    /**
     * For an IPv4 address (an IPv4 trie always has its range form, so no walk is compiled in): the
     * {@link #find} answer in the high 32 bits, and when it is a rule, that rule's payload in the low 32.
     */
    long find4(int address) {
        if ((uncovered[address >>> 22] & 1L << (address >>> 16)) != 0) {
            return (long) MISS << 32;
        }
        int at = TRIPLE * range(address);
        return (long) ranges[at + 1] << 32 | ranges[at + 2] & 0xFFFF_FFFFL;
    }

    /**
     * This IPv4 trie with a direct table of the 65,536 /16s, one byte each (64 KiB: under traffic the
     * mbufs streaming through the core evict what is large). A /16 that one range covers whole, with a
     * deciding rule or with no rule, is answered by {@link #direct16}: that rule's payload, or
     * {@code missAnswer} when no prefix covers it; the others answer {@link #NOT_DIRECT} and go through
     * {@link #find4}. The byte indexes a small array of the distinct answers, so a blocklist's
     * addresses cost one read of one line of a small table. For a caller that needs the payload only,
     * not which rule gave it. Null when the whole /16s have more distinct answers than a byte indexes.
     */
    PrefixTrie withDirect16(int missAnswer) {
        byte[] d = new byte[1 << 16];
        Map<Integer, Integer> index = new HashMap<>();
        int[] answers = new int[DIRECT_ANSWERS];
        answers[0] = NOT_DIRECT;
        int count = 1;
        int[] whole = wholeRanges();
        for (int slot = 0; slot < d.length; slot++) {
            int r = whole[slot];
            int code = r < 0 ? 0 : ranges[TRIPLE * r + 1];
            if (r < 0 || (code != MISS && (code < 0 || code >= CHECK))) {
                continue; // byte 0: NOT_DIRECT
            }
            int answer = code == MISS ? missAnswer : ranges[TRIPLE * r + 2];
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
        return new PrefixTrie(table, lists, codes, payloads, addressBits, rootBits, rangeIndex, ranges, uncovered, d,
                Arrays.copyOf(answers, count));
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

    /** This IPv4 trie with its {@link #uncovered} bits. */
    private PrefixTrie withUncovered() {
        long[] bits = new long[(1 << 16) / 64];
        int[] whole = wholeRanges();
        for (int slot = 0; slot < whole.length; slot++) {
            if (whole[slot] >= 0 && ranges[TRIPLE * whole[slot] + 1] == MISS) {
                bits[slot >>> 6] |= 1L << slot;
            }
        }
        return new PrefixTrie(null, lists, codes, payloads, addressBits, rootBits, rangeIndex, ranges, bits, null,
                null);
    }

    /** The range {@code r}'s first address, unsigned. */
    private long start(int r) {
        return (ranges[TRIPLE * r] ^ Integer.MIN_VALUE) & 0xFFFF_FFFFL;
    }

    /** See {@link #withDirect16}. */
    int direct16(int address) {
        return directAnswers[direct[address >>> 16] & 0xFF];
    }

    /** The candidate list of a negative {@link #find} answer other than {@link #MISS}. */
    int[] list(int code) {
        return lists[~code];
    }

    /** The elementary range holding IPv4 address {@code address}: the last start at or below it. */
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

    static final int RANGE_INDEX_BITS = 13;

    /** The trie walk: the list id of the deepest slot on the address's path. */
    private int walk(long hi, long lo) {
        int slot = (int) (hi >>> (64 - rootBits));
        int[] t = table;
        int child = t[2 * slot];
        int list = t[2 * slot + 1];
        for (int bit = rootBits; child != 0 && bit < addressBits; bit += STRIDE_BITS) {
            slot = child + nibble(hi, lo, bit);
            child = t[2 * slot];
            list = t[2 * slot + 1];
        }
        return list;
    }

    /**
     * The IPv4 range form of this trie: every prefix start and every address just past a prefix end
     * begins an elementary range whose rule list is the trie's answer for that address (all
     * addresses of a range are covered by the same prefixes); neighbours with the same list merge.
     */
    private PrefixTrie withRanges(java.util.List<long[]> prefixes) {
        java.util.TreeSet<Long> cuts = new java.util.TreeSet<>();
        cuts.add(0L);
        for (long[] p : prefixes) {
            long start = (p[0] >>> 32) & (0xffffffffL << (32 - p[2])) & 0xffffffffL;
            long end = start + (1L << (32 - p[2]));
            cuts.add(start);
            if (end <= 0xffffffffL) {
                cuts.add(end);
            }
        }
        int[] starts = new int[cuts.size()];
        int[] ids = new int[cuts.size()];
        int n = 0;
        for (long cut : cuts) {
            int id = walk(cut << 32, 0);
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
            triples[TRIPLE * i] = starts[i];
            triples[TRIPLE * i + 1] = codes[ids[i]];
            triples[TRIPLE * i + 2] = payloads[ids[i]];
        }
        // The nodes are not needed any more.
        return new PrefixTrie(null, lists, codes, payloads, addressBits, rootBits, index, triples, null, null, null)
                .withUncovered();
    }

    private static int nibble(long hi, long lo, int bit) {
        long word = bit < 64 ? hi : lo;
        return (int) (word >>> (64 - STRIDE_BITS - (bit & 63))) & (FANOUT - 1);
    }

    /** Collects prefixes (control path), then builds the immutable trie. */
    static final class Builder {
        private final int addressBits;
        private final java.util.List<long[]> pending = new java.util.ArrayList<>();
        private int rootBits;
        private int rootSlots;
        private int[] child;
        private int[] parentSlot;
        private int slots;
        private final Map<Integer, int[]> own = new HashMap<>();
        private int prefixes;

        Builder(int addressBits) {
            this.addressBits = addressBits;
        }

        /** Adds rule {@code rule} (below {@link #CHECK}); rules must be added in ascending index order. */
        void add(long hi, long lo, int length, int rule) {
            if (rule < 0 || rule >= CHECK) {
                throw new IllegalArgumentException("rule index out of range: " + rule);
            }
            prefixes++;
            pending.add(new long[] {hi, lo, length, rule});
        }

        int size() {
            return prefixes;
        }

        private void insert(long hi, long lo, int length, int rule) {
            if (length <= rootBits) {
                int free = rootBits - length;
                expand((int) (hi >>> (64 - rootBits)) & ~((1 << free) - 1), 1 << free, rule);
                return;
            }
            int slot = (int) (hi >>> (64 - rootBits));
            int bit = rootBits;
            while (true) {
                int node = childOf(slot);
                if (length - bit <= STRIDE_BITS) {
                    int free = STRIDE_BITS - (length - bit);
                    expand(node + (nibble(hi, lo, bit) & ~((1 << free) - 1)), 1 << free, rule);
                    return;
                }
                slot = node + nibble(hi, lo, bit);
                bit += STRIDE_BITS;
            }
        }

        private void expand(int first, int count, int rule) {
            for (int k = 0; k < count; k++) {
                own.merge(first + k, new int[] {rule}, Builder::append);
            }
        }

        private static int[] append(int[] list, int[] one) {
            int[] grown = Arrays.copyOf(list, list.length + 1);
            grown[list.length] = one[0];
            return grown;
        }

        /** The first slot of {@code slot}'s child node, created if missing. */
        private int childOf(int slot) {
            if (child[slot] == 0) {
                if (slots + FANOUT > child.length) {
                    child = Arrays.copyOf(child, child.length * 2);
                }
                int node = (slots - rootSlots) / FANOUT;
                if (node >= parentSlot.length) {
                    parentSlot = Arrays.copyOf(parentSlot, parentSlot.length * 2);
                }
                parentSlot[node] = slot;
                child[slot] = slots;
                slots += FANOUT;
            }
            return child[slot];
        }

        /**
         * The immutable trie; {@code decidesAlone} tells which rules match every packet whose address
         * the lookup returns them for (see {@link PrefixTrie#find}), {@code payloadOf} what
         * {@link PrefixTrie#find4} returns beside such a rule.
         */
        PrefixTrie build(java.util.function.IntPredicate decidesAlone, java.util.function.IntUnaryOperator payloadOf) {
            rootBits = addressBits == 128 || prefixes >= 4096 ? 16 : prefixes >= 256 ? 12 : 8;
            rootSlots = 1 << rootBits;
            slots = rootSlots;
            child = new int[rootSlots + FANOUT * 64];
            parentSlot = new int[64];
            for (long[] p : pending) {
                insert(p[0], p[1], (int) p[2], (int) p[3]);
            }
            int[] table = new int[2 * slots];
            int[][] full = new int[slots][];
            Map<ListKey, Integer> ids = new HashMap<>();
            java.util.List<int[]> lists = new java.util.ArrayList<>();
            ids.put(new ListKey(EMPTY), 0);
            lists.add(EMPTY);
            // Nodes are numbered in creation order and a parent is created before its children.
            for (int slot = 0; slot < slots; slot++) {
                int[] inherited = slot < rootSlots ? EMPTY : full[parentSlot[(slot - rootSlots) / FANOUT]];
                int[] list = union(inherited, own.getOrDefault(slot, EMPTY));
                Integer id = ids.get(new ListKey(list));
                if (id == null) {
                    id = lists.size();
                    ids.put(new ListKey(list), id);
                    lists.add(list);
                }
                full[slot] = lists.get(id);
                table[2 * slot] = child[slot];
                table[2 * slot + 1] = id;
            }
            int[] codes = new int[lists.size()];
            int[] payloads = new int[lists.size()];
            for (int id = 0; id < codes.length; id++) {
                int[] list = lists.get(id);
                codes[id] = list.length == 0 ? MISS : decidesAlone.test(list[0]) ? list[0]
                        : list.length == 1 ? CHECK + list[0] : ~id;
                payloads[id] = codes[id] >= 0 && codes[id] < CHECK ? payloadOf.applyAsInt(list[0]) : 0;
            }
            PrefixTrie trie = new PrefixTrie(table, lists.toArray(int[][]::new), codes, payloads, addressBits,
                    rootBits, null, null, null, null, null);
            return addressBits == 32 ? trie.withRanges(pending) : trie;
        }

        private static int[] union(int[] a, int[] b) {
            if (b.length == 0) {
                return a;
            }
            if (a.length == 0) {
                return b;
            }
            int[] out = new int[a.length + b.length];
            int i = 0, j = 0, n = 0;
            while (i < a.length || j < b.length) {
                int next = j == b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
                if (n == 0 || out[n - 1] != next) {
                    out[n++] = next;
                }
            }
            return Arrays.copyOf(out, n);
        }

        private record ListKey(int[] list) {
            @Override
            public boolean equals(Object o) {
                return o instanceof ListKey k && Arrays.equals(list, k.list);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(list);
            }
        }
    }
}
