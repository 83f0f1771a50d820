package io.cpumapd.filter.testkit;

import io.cpumapd.packet.Packet;
import io.cpumapd.packet.Verdict;

/**
 * What a filter did to one packet, as {@link FilterHarness} observed it.
 *
 * @param verdict    the verdict; ABORTED when the filter returned null or threw (as the RX worker counts it)
 * @param targetKind {@link Packet#TARGET_NONE}, {@link Packet#TARGET_CPUMAP} or {@link Packet#TARGET_PORT}
 * @param targetKey  the cpumap key or DPDK port of a REDIRECT
 * @param fallback   what a REDIRECT to an empty cpumap key would become
 * @param mark       the packet's mark after the filter
 * @param userValue  the packet's user value after the filter
 * @param bytes      the frame after the filter (head / tail adjustments and rewrites included)
 * @param thrown     what the filter threw, or null: a well-behaved filter never throws
 */
public record FilterResult(Verdict verdict, int targetKind, int targetKey, Verdict fallback, int mark,
                           int userValue, byte[] bytes, RuntimeException thrown) {

    /** REDIRECT to cpumap key {@code key}. */
    public boolean redirectedTo(int key) {
        return verdict == Verdict.REDIRECT && targetKind == Packet.TARGET_CPUMAP && targetKey == key;
    }

    /** REDIRECT out DPDK port {@code port}. */
    public boolean redirectedToPort(int port) {
        return verdict == Verdict.REDIRECT && targetKind == Packet.TARGET_PORT && targetKey == port;
    }

    /** The cpumap key of a REDIRECT to the cpumap, else -1. */
    public int cpumapKey() {
        return verdict == Verdict.REDIRECT && targetKind == Packet.TARGET_CPUMAP ? targetKey : -1;
    }

    @Override
    public String toString() {
        String target = switch (targetKind) {
            case Packet.TARGET_CPUMAP -> " cpumap[" + targetKey + "]";
            case Packet.TARGET_PORT -> " port " + targetKey;
            default -> "";
        };
        return verdict + (verdict == Verdict.REDIRECT ? target : "") + " mark=" + mark + " user=" + userValue
                + " len=" + bytes.length + (thrown == null ? "" : " threw " + thrown);
    }
}
