package com.example.dnsguard;

import io.cpumapd.filter.FilterException;
import io.cpumapd.filter.FilterProvider;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.packet.PacketFilter;

import java.util.Map;
import java.util.Set;

/**
 * {@code dns-guard}: drops DNS (UDP and TCP) sent to a blocked port, spreads everything else over the
 * cpumap targets by a symmetric address hash. Found by cpumapd through
 * {@code META-INF/services/io.cpumapd.filter.FilterProvider}.
 *
 * <p>Parameters: {@code port} (the blocked destination port, default 53).
 */
public final class DnsGuardProvider implements FilterProvider {
    private static final Set<String> KNOWN = Set.of("port");

    @Override
    public String name() {
        return "dns-guard";
    }

    @Override
    public PacketFilter create(Map<String, String> params, TargetSet targets) {
        for (String key : params.keySet()) {
            if (!KNOWN.contains(key)) {
                throw new FilterException("filter 'dns-guard': unknown parameter '" + key + "' (known: port)");
            }
        }
        String text = params.getOrDefault("port", "53");
        int port;
        try {
            port = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new FilterException("filter 'dns-guard': bad value '" + text + "' for parameter 'port': not a number");
        }
        if (port < 0 || port > 65535) {
            throw new FilterException("filter 'dns-guard': bad value '" + text + "' for parameter 'port': must be in 0..65535");
        }
        return new DnsGuardFilter(port, targets);
    }
}
