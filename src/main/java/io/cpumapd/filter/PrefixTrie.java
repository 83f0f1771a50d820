package io.cpumapd.filter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Address prefixes of one family and one direction (e.g. IPv4 sources) mapped to the ACL rules that
 * name them. A multibit trie with 4-bit strides: each of a node's 16 slots holds the sorted indices of
 * every rule whose prefix covers all addresses under that slot, its ancestors' rules included (pushed
 * down at build time). A lookup is then one array load per 4 address bits, stopping at the first
 * slot without a child, and returns one ready-made candidate list: no merge, no allocation.
 * (A bit-vector per dimension would cost ~160 words to AND per packet at 10,000 rules.)
 */
final class PrefixTrie {
    static final int STRIDE_BITS = 4;
    private static final int FANOUT = 1 << STRIDE_BITS;
    static final int[] EMPTY = new int[0];

    private final int[] children;
    private final int[][] lists;
    private final int maxDepth;

    private PrefixTrie(int[] children, int[][] lists, int maxDepth) {
        this.children = children;
        this.lists = lists;
        this.maxDepth = maxDepth;
    }

    /** Rules (ascending index) whose prefix contains the address {@code hi:lo} (IPv4 in the top 32 bits of hi). */
    int[] lookup(long hi, long lo) {
        int node = 0;
        int[] found = EMPTY;
        for (int depth = 0; depth < maxDepth; depth++) {
            int slot = node * FANOUT + nibble(hi, lo, depth);
            found = lists[slot];
            node = children[slot];
            if (node == 0) {
                break;
            }
        }
        return found;
    }

    int nodeCount() {
        return children.length / FANOUT;
    }

    private static int nibble(long hi, long lo, int depth) {
        long word = depth < 16 ? hi : lo;
        return (int) (word >>> (60 - STRIDE_BITS * (depth & 15))) & (FANOUT - 1);
    }

    /** Collects prefixes (control path), then builds the immutable trie. */
    static final class Builder {
        private final int addressBits;
        private int[] children = new int[FANOUT * 16];
        private int nodes = 1;
        private final Map<Integer, int[]> own = new HashMap<>();
        private int prefixes;

        Builder(int addressBits) {
            this.addressBits = addressBits;
        }

        int size() {
            return prefixes;
        }

        /** Adds rule {@code rule}; rules must be added in ascending index order. */
        void add(long hi, long lo, int length, int rule) {
            prefixes++;
            int depth = length == 0 ? 0 : (length - 1) / STRIDE_BITS;
            int node = 0;
            for (int d = 0; d < depth; d++) {
                int slot = node * FANOUT + nibble(hi, lo, d);
                if (children[slot] == 0) {
                    int child = newNode(); // may grow the array: take the new one after the call
                    children[slot] = child;
                }
                node = children[slot];
            }
            // The prefix ends inside this node: expand it to every slot its remaining bits allow.
            int bitsHere = length - depth * STRIDE_BITS;
            int freeBits = STRIDE_BITS - bitsHere;
            int first = nibble(hi, lo, depth) & ~((1 << freeBits) - 1);
            for (int k = 0; k < 1 << freeBits; k++) {
                own.merge(node * FANOUT + first + k, new int[] {rule}, Builder::append);
            }
        }

        private static int[] append(int[] list, int[] one) {
            int[] grown = Arrays.copyOf(list, list.length + 1);
            grown[list.length] = one[0];
            return grown;
        }

        private int newNode() {
            if ((nodes + 1) * FANOUT > children.length) {
                children = Arrays.copyOf(children, children.length * 2);
            }
            return nodes++;
        }

        PrefixTrie build() {
            int[][] lists = new int[nodes * FANOUT][];
            int[][] inherited = new int[nodes][];
            inherited[0] = EMPTY;
            Map<ListKey, int[]> interned = new HashMap<>();
            // A child is always created after its parent, so index order visits parents first.
            for (int node = 0; node < nodes; node++) {
                for (int nib = 0; nib < FANOUT; nib++) {
                    int slot = node * FANOUT + nib;
                    int[] full = union(inherited[node], own.getOrDefault(slot, EMPTY));
                    full = interned.computeIfAbsent(new ListKey(full), k -> k.list);
                    lists[slot] = full;
                    if (children[slot] != 0) {
                        inherited[children[slot]] = full;
                    }
                }
            }
            return new PrefixTrie(Arrays.copyOf(children, nodes * FANOUT), lists, addressBits / STRIDE_BITS);
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
