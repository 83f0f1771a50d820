package io.cpumapd.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Address prefixes of one family and one direction (e.g. IPv6 sources) mapped to the ACL rules that
 * name them. A multibit trie: a root indexed by the first 8, 12 or 16 address bits (more for more
 * prefixes, and 16 for every IPv6 trie, whose prefixes are long: a 2^16-slot root costs 512 KiB), then
 * nodes of 16 slots per further 4 bits. Each slot holds the rules whose prefix covers every address
 * under it, its ancestors' rules included (pushed down at build time), so a lookup walks until a slot
 * has no child and returns that slot's list: a complete, sorted candidate list, no merge, no
 * allocation. Child and list of a slot sit side by side in one int array, so each step is one cache
 * line. (A bit-vector per dimension would cost ~160 words to AND per packet at 10,000 rules; 4-bit
 * strides from the first bit cost ~8 dependent cache misses for a /32 in a large table.)
 *
 * <p>The ACL looks IPv6 addresses up here; an IPv4 trie is only the build step of an
 * {@link Ipv4RangeTable}, which answers the same from elementary address ranges.
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

    private PrefixTrie(int[] table, int[][] lists, int[] codes, int addressBits, int rootBits) {
        this.table = table;
        this.lists = lists;
        this.codes = codes;
        this.addressBits = addressBits;
        this.rootBits = rootBits;
    }

    /**
     * The candidate rules for the address {@code hi:lo}, coded: {@link #MISS} when there are none; a
     * rule index (&ge; 0) when the first candidate is a rule the builder's {@code decidesAlone}
     * accepted, so no other candidate of this trie can matter; {@link #CHECK} plus a rule index when
     * that rule is the only candidate and needs its conditions checked; else the complement of a list
     * id, whose rules (ascending) {@link #list} gives.
     */
    int find(long hi, long lo) {
        return codes[listId(hi, lo)];
    }

    /** The candidate list of a negative {@link #find} answer other than {@link #MISS}. */
    int[] list(int code) {
        return lists[~code];
    }

    /** Every candidate list, indexed by list id (for a table built from this trie). */
    int[][] lists() {
        return lists;
    }

    /** The {@link #find} answer of list {@code id}. */
    int code(int id) {
        return codes[id];
    }

    /** The trie walk: the list id of the deepest slot on the address's path. */
    int listId(long hi, long lo) {
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

    private static int nibble(long hi, long lo, int bit) {
        long word = bit < 64 ? hi : lo;
        return (int) (word >>> (64 - STRIDE_BITS - (bit & 63))) & (FANOUT - 1);
    }

    /** Collects prefixes (control path), then builds the immutable trie. */
    static final class Builder {
        private final int addressBits;
        private final List<long[]> pending = new ArrayList<>();
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
         * the lookup returns them for (see {@link PrefixTrie#find}).
         */
        PrefixTrie build(IntPredicate decidesAlone) {
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
            List<int[]> lists = new ArrayList<>();
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
            for (int id = 0; id < codes.length; id++) {
                int[] list = lists.get(id);
                codes[id] = list.length == 0 ? MISS : decidesAlone.test(list[0]) ? list[0]
                        : list.length == 1 ? CHECK + list[0] : ~id;
            }
            return new PrefixTrie(table, lists.toArray(int[][]::new), codes, addressBits, rootBits);
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
