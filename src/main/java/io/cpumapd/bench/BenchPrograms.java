package io.cpumapd.bench;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;

/**
 * The program modes of {@code xdp-bench redirect-cpu -p} that the benchmark needs, and the
 * second-stage programs of its remote actions. {@code native/src/bench_pipeline.c} implements the
 * same modes with the same hash, so Java and C figures compare like for like.
 */
// TODO(lead): replace by Filters.create(mode, params, cpus) once the built-in filters are merged.
public final class BenchPrograms {
    public static final String NO_TOUCH = "no-touch";
    public static final String L4_HASH = "l4-hash";
    /** Seed of the symmetric L4 hash (added to the IP protocol number), as the kernel sample's INITVAL. */
    public static final int HASH_SEED = 15485863;

    private BenchPrograms() {
    }

    /** The RX program of {@code mode}, redirecting to the entries of {@code cpus}. */
    public static PacketFilter rxFilter(String mode, int[] cpus) {
        int[] targets = cpus.clone();
        return switch (mode) {
            case NO_TOUCH -> new NoTouch(targets[0]);
            case L4_HASH -> new L4Hash(targets);
            default -> throw new IllegalArgumentException("unknown program mode '" + mode + "': use " + NO_TOUCH
                    + " or " + L4_HASH);
        };
    }

    /** C's mode number for {@code mode} (see {@code bench_pipeline.h}). */
    public static int modeId(String mode) {
        return switch (mode) {
            case NO_TOUCH -> 0;
            case L4_HASH -> 1;
            default -> throw new IllegalArgumentException("unknown program mode '" + mode + "'");
        };
    }

    /**
     * Symmetric in (saddr, daddr): the sum does not care about the order, so both directions of a
     * flow land on the same CPU; the protocol seeds the mix. fmix32 of MurmurHash3 as the finaliser.
     */
    public static int l4Hash(int saddr, int daddr, int protocol) {
        int h = (saddr + daddr) ^ (HASH_SEED + protocol);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Everything to the first CPU; the packet is never read. */
    private record NoTouch(int cpu) implements PacketFilter {
        @Override
        public Verdict filter(Packet packet) {
            return packet.redirect(cpu);
        }

        @Override
        public String name() {
            return NO_TOUCH;
        }
    }

    /** IPv4: hash of the address pair seeded by protocol, modulo the CPU count; anything else to the first CPU. */
    private record L4Hash(int[] cpus) implements PacketFilter {
        private static final int ETH_P_IP = 0x0800;

        @Override
        public Verdict filter(Packet packet) {
            int index = 0;
            if (packet.length() >= 34 && packet.getU16(12) == ETH_P_IP) {
                int hash = l4Hash(packet.getU32(26), packet.getU32(30), packet.getU8(23));
                index = Integer.remainderUnsigned(hash, cpus.length);
            }
            return packet.redirect(cpus[index]);
        }

        @Override
        public String name() {
            return L4_HASH;
        }
    }

    /** Second-stage program of {@code -r drop}: drop at the consumer without reading the packet. */
    public static PacketFilter remoteDrop() {
        return new Named("drop", Verdict.DROP);
    }

    /** Second-stage program of {@code -r redirect}: back out DPDK port {@code portId}. */
    public static PacketFilter remoteRedirect(int portId) {
        return new PacketFilter() {
            @Override
            public Verdict filter(Packet packet) {
                return packet.redirectToPort(portId);
            }

            @Override
            public String name() {
                return "redirect";
            }
        };
    }

    private record Named(String name, Verdict verdict) implements PacketFilter {
        @Override
        public Verdict filter(Packet packet) {
            return verdict;
        }
    }
}
