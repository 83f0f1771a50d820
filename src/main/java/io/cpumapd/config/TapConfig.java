package io.cpumapd.config;

import java.util.List;

/**
 * The TAP device packets reach the kernel through. {@code address} (IPv4 CIDR) and {@code mac}
 * are nullable: when null the daemon leaves them to the kernel.
 */
public record TapConfig(String name, int queues, int mtu, String address, String mac, boolean vnetHdr) {
    public static final TapConfig DEFAULT = new TapConfig("cpumapd0", 0, 1500, null, null, true);
    public static final int MAX_QUEUES = 256;
    static final List<String> KEYS = List.of("name", "queues", "mtu", "address", "mac", "vnet_hdr");

    static TapConfig read(YamlNode n) {
        String name = n.string("name", DEFAULT.name);
        if (!Syntax.IFNAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new ConfigException(n.path("name"), YamlNode.quote(name)
                    + " is not a valid interface name (1..15 characters of A-Z a-z 0-9 _ . -)");
        }
        int queues = n.integer("queues", DEFAULT.queues, 0, MAX_QUEUES);
        int mtu = n.integer("mtu", DEFAULT.mtu, 68, 65535);
        String address = n.nullableString("address");
        if (address != null && !isIpv4Cidr(address)) {
            throw new ConfigException(n.path("address"), YamlNode.quote(address)
                    + " is not an IPv4 address with a prefix length (e.g. 198.18.0.1/24)");
        }
        String mac = n.nullableString("mac");
        if (mac != null) {
            if (!Syntax.MAC.matcher(mac).matches()) {
                throw new ConfigException(n.path("mac"), YamlNode.quote(mac) + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
            }
            if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
                throw new ConfigException(n.path("mac"), YamlNode.quote(mac)
                        + " is a multicast address (the lowest bit of the first octet is set)");
            }
            if (mac.equals("00:00:00:00:00:00")) {
                throw new ConfigException(n.path("mac"), YamlNode.quote(mac) + " is the all-zero address");
            }
            mac = mac.toLowerCase(java.util.Locale.ROOT);
        }
        return new TapConfig(name, queues, mtu, address, mac, n.bool("vnet_hdr", DEFAULT.vnetHdr));
    }

    /** The queues cpumapd opens: one per RX worker and one per possible cpumap consumer. */
    public static int neededQueues(Config config) {
        return config.rxWorkers().size() + config.cpumap().maxEntries();
    }

    /** {@link #queues()}, or when it is 0 (auto) the number cpumapd needs. */
    public int effectiveQueues(Config config) {
        return queues == 0 ? neededQueues(config) : queues;
    }

    /** The address part of {@link #address()}, null when there is none. */
    public String addressIp() {
        return address == null ? null : address.substring(0, address.indexOf('/'));
    }

    /** The prefix length of {@link #address()}, -1 when there is none. */
    public int prefixLength() {
        return address == null ? -1 : Integer.parseInt(address.substring(address.indexOf('/') + 1));
    }

    static boolean isIpv4Cidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0 || !Syntax.isIpv4(s.substring(0, slash))) {
            return false;
        }
        String len = s.substring(slash + 1);
        return len.matches("[1-9][0-9]?") && Integer.parseInt(len) <= 32;
    }
}
