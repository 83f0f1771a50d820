package io.cpumapd.filter;

import io.cpumapd.packet.Bytes;
import io.cpumapd.packet.Headers;

/**
 * Flow hashes over parsed headers, for filters (built-in or plugin) that spread flows over targets.
 * {@link #symmetricPair} follows the kernel sample's {@code l4-hash}: the source and destination
 * addresses are added word by word, so swapping them gives the same value, and the IP protocol
 * seeds the hash. The mixing is MurmurHash3's 32-bit round and finalizer.
 */
public final class FlowHash {
    /** The kernel sample's seed constant; any value would do. */
    private static final int SEED = 0xdeadbeef;

    private FlowHash() {
    }

    /**
     * Symmetric hash of (source, destination) address pair seeded by the IP protocol field, for IPv4
     * and IPv6. Returns 0 when the frame holds no complete fixed IP header
     * ({@code headers.addressLength() == 0}).
     */
    public static int symmetricPair(Headers headers) {
        int words = headers.addressLength() >>> 2;
        if (words == 0) {
            return 0;
        }
        long base = headers.dataAddress();
        long src = base + headers.srcAddressOffset();
        long dst = base + headers.dstAddressOffset();
        // The fixed header is present whenever the addresses are, so the protocol byte is too.
        int protocolOffset = headers.l3Offset() + (headers.ipVersion() == 4 ? 9 : 6);
        int h = SEED + Bytes.u8(base + protocolOffset);
        for (int i = 0; i < words; i++) {
            h = round(h, Bytes.u32(src + 4L * i) + Bytes.u32(dst + 4L * i));
        }
        return finish(h ^ words);
    }

    static int round(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    static int finish(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /** {@code hash} mapped onto {@code 0..count-1} without sign trouble. */
    public static int index(int hash, int count) {
        return Integer.remainderUnsigned(hash, count);
    }
}
