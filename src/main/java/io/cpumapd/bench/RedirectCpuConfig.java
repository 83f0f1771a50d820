package io.cpumapd.bench;

import java.util.List;

/**
 * What {@code cpumapd bench redirect-cpu} runs, validated by the command.
 *
 * @param source       null, pcap or ring
 * @param remoteAction drop, pass or redirect (second stage at the consumer)
 * @param cpus         cpumap keys = consumer cores, in {@code -c} order
 * @param latencyPps   0: throughput; otherwise the ring source is paced at this rate and latency is recorded
 * @param traffic      what the source sends (tcp and udp bulk traffic: ring source only)
 */
public record RedirectCpuConfig(String source, String pcapFile, String mode, String remoteAction, int[] cpus,
        int rxCore, int qsize, int batch, String idle, double warmupSeconds, double durationSeconds,
        double intervalSeconds, int rounds, List<String> impls, boolean extended, long latencyPps,
        TrafficSpec traffic) {
    public static final String DROP = "drop";
    public static final String PASS = "pass";
    public static final String REDIRECT = "redirect";

    public int maxEntries() {
        int max = 0;
        for (int c : cpus) {
            max = Math.max(max, c);
        }
        return max + 1;
    }

    public int actionId() {
        return switch (remoteAction) {
            case DROP -> 0;
            case PASS -> 1;
            case REDIRECT -> 2;
            default -> throw new IllegalArgumentException("unknown remote action '" + remoteAction
                    + "': use drop, pass or redirect");
        };
    }
}
