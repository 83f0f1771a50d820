package io.cpumapd.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/** The Prometheus scrape endpoint. */
public record MetricsConfig(boolean enabled, String bind, int port) {
    public static final MetricsConfig DEFAULT = new MetricsConfig(true, "127.0.0.1", 9477);
    static final List<String> KEYS = List.of("enabled", "bind", "port");

    static MetricsConfig read(YamlNode n) {
        boolean enabled = n.bool("enabled", DEFAULT.enabled);
        String bind = n.string("bind", DEFAULT.bind);
        if (!Syntax.isIpv4(bind) && !Syntax.isIpv6(bind)) {
            throw new ConfigException(n.path("bind"), YamlNode.quote(bind)
                    + " is not an IP address literal (e.g. 127.0.0.1, 0.0.0.0, ::1)");
        }
        return new MetricsConfig(enabled, bind, n.integer("port", DEFAULT.port, 1, 65535));
    }

    /** The address to listen on; no name lookup (bind is a literal). */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(InetAddress.ofLiteral(bind), port);
    }
}
