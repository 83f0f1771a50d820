package io.cpumapd.config;

import java.util.List;
import java.util.Locale;

/**
 * A port's own TAP settings ({@code ports[].tap}), each nullable: what is not set comes from the
 * top-level {@code tap} section for the first port, and from the port for any other (its TAP is
 * named after it, takes its MAC).
 */
public record PortTapConfig(String name, String mac, String address, String address6) {
    public static final PortTapConfig NONE = new PortTapConfig(null, null, null, null);
    static final List<String> KEYS = List.of("name", "mac", "address", "address6");

    static PortTapConfig read(YamlNode n) {
        String name = n.nullableString("name");
        if (name != null) {
            TapConfig.checkName(n, name);
        }
        String mac = n.nullableString("mac");
        if (mac != null) {
            mac = TapConfig.checkMac(n, mac);
        }
        String address = n.nullableString("address");
        if (address != null) {
            TapConfig.checkIpv4(n, address);
        }
        String address6 = n.nullableString("address6");
        if (address6 != null) {
            TapConfig.checkIpv6(n, address6);
        }
        return new PortTapConfig(name, mac == null ? null : mac.toLowerCase(Locale.ROOT), address, address6);
    }
}
