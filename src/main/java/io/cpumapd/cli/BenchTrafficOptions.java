package io.cpumapd.cli;

import io.cpumapd.bench.TrafficSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The traffic options {@code bench redirect-cpu} and {@code bench inject} share. */
public final class BenchTrafficOptions {
    @Option(names = "--traffic", defaultValue = TrafficSpec.SMALL_UDP, paramLabel = "KIND",
            description = "small-udp (60-byte UDP frames) | tcp (full-sized TCP segments of --flows connections, "
                    + "in sequence, ACK/PSH) | udp (equal-sized UDP datagrams of --flows flows). "
                    + "Default ${DEFAULT-VALUE}.")
    String kind;

    @Option(names = "--flows", defaultValue = "64", description = "Flows of the traffic (default ${DEFAULT-VALUE}).")
    int flows;

    @Option(names = "--payload", defaultValue = "0", paramLabel = "BYTES",
            description = "Payload per segment or datagram (default: full-sized on a 1500-byte MTU).")
    int payloadBytes;

    @Option(names = "--timestamps", description = "TCP timestamp option on every segment (as Linux sends them).")
    boolean timestamps;

    @Option(names = "--ipv6", description = "IPv6 instead of IPv4 (tcp and udp traffic).")
    boolean ipv6;

    @Option(names = "--train", defaultValue = "8",
            description = "Consecutive segments of one flow before the next flow's turn (default ${DEFAULT-VALUE}).")
    int train;

    /** The spec, or a usage error naming what is wrong. */
    public TrafficSpec spec(CommandSpec command) {
        try {
            TrafficSpec s = new TrafficSpec(kind, flows, payloadBytes, timestamps, ipv6,
                    kind.equals(TrafficSpec.SMALL_UDP) ? 1 : train);
            s.create(); // checks flows, payload and train now, not in the middle of a run
            return s;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage());
        }
    }
}
