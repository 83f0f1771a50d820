package io.cpumapd.bench;

import java.util.List;

/**
 * What {@code cpumapd bench redirect-cpu} runs, validated by the command.
 *
 * @param source       null, pcap or ring
 * @param remoteAction drop, pass, redirect (second stage at the consumer) or hold (the consumer takes one batch
 *                     and holds it until the round ends: every ring stays full, see {@link #HOLD})
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
    /**
     * Both RX threads see the same ring state: full. With a consumer that drains, how much of what RX
     * pushes the ring takes depends on the consumer's speed relative to RX, and a refused bulk (a failed
     * enqueue, a local free) costs RX far less than a taken one (the producer CAS, the mbufs' trip to the
     * consumer core and back), so two RX threads of different speed do different work. Here each
     * consumer takes one batch and holds it until the round ends; the rings fill within the first
     * qsize packets and every later push is refused: the same work per packet on both sides.
     */
    public static final String HOLD = "hold";

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
            case HOLD -> 3;
            default -> throw new IllegalArgumentException("unknown remote action '" + remoteAction
                    + "': use drop, pass, redirect or hold");
        };
    }
}
