package io.cpumapd.bench;

import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.Programs;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.packet.PacketFilter;
import java.util.Map;

/**
 * The program modes of {@code xdp-bench redirect-cpu -p} as the benchmark runs them: the Java side
 * runs the daemon's own filters ({@link Filters}), any built-in name; the C reference
 * ({@code native/src/bench_pipeline.c}) has twins of {@code no-touch} and {@code l4-hash} only.
 * The C {@code l4-hash} ({@code native/include/cpm_bench_headers.h}) parses what {@code Headers}
 * parses and hashes as {@code FlowHash.symmetricPair}: equal work, the same target for every frame
 * ({@code L4HashTwinTest}).
 */
public final class BenchPrograms {
    public static final String NO_TOUCH = "no-touch";
    public static final String L4_HASH = "l4-hash";

    private BenchPrograms() {
    }

    /** The RX filter of {@code mode}, spreading over {@code cpus}; a bad name is a clear error. */
    public static PacketFilter rxFilter(String mode, int[] cpus) {
        return Filters.create(mode, Map.of(), TargetSet.of(cpus.clone()));
    }

    /** Checks {@code mode} for the chosen implementations; C knows only the two twins. */
    public static void check(String mode, boolean withC) {
        if (withC) {
            modeId(mode);
        } else if (!Filters.names().contains(mode)) {
            throw new FilterException("unknown program mode '" + mode + "': use one of " + Filters.names());
        }
    }

    /** C's mode number for {@code mode} (see {@code bench_pipeline.h}). */
    public static int modeId(String mode) {
        return switch (mode) {
            case NO_TOUCH -> 0;
            case L4_HASH -> 1;
            default -> throw new IllegalArgumentException("program mode '" + mode + "' has no C twin: use " + NO_TOUCH
                    + " or " + L4_HASH + " with --impl c or both");
        };
    }

    /** Second-stage program of {@code -r drop}: drop at the consumer without reading the packet. */
    public static PacketFilter remoteDrop() {
        return Programs.create("drop", Map.of());
    }

    /** Second-stage program of {@code -r redirect}: back out DPDK port {@code portId}. */
    public static PacketFilter remoteRedirect(int portId) {
        return Programs.create("redirect", Map.of("port", Integer.toString(portId)));
    }
}
