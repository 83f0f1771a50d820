package io.cpumapd.config;

import java.util.List;

/**
 * The TAPs packets reach the kernel through, one per port: the settings of the first port's TAP
 * (its name, MAC, addresses) and those every TAP shares (queues, MTU default, vnet header,
 * offloads). {@code address} (IPv4 CIDR), {@code address6} (IPv6 CIDR) and {@code mac} are
 * nullable: when null the daemon leaves the addresses off and gives the TAP its port's MAC.
 *
 * @param mtu      the MTU of every port and its TAP, unless a port sets its own
 * @param offloads let the kernel hand over 64 KiB GSO frames with partial checksums (vnet_hdr needed)
 */
public record TapConfig(String name, int queues, int mtu, String address, String mac, boolean vnetHdr,
        String address6, boolean offloads) {
    public static final TapConfig DEFAULT = new TapConfig("cpumapd0", 0, 1500, null, null, true, null, true);
    public static final int MAX_QUEUES = 256;
    static final List<String> KEYS = List.of("name", "queues", "mtu", "address", "mac", "vnet_hdr", "address6",
            "offloads");

    static TapConfig read(YamlNode n) {
        String name = n.string("name", DEFAULT.name);
        checkName(n, name);
        int queues = n.integer("queues", DEFAULT.queues, 0, MAX_QUEUES);
        int mtu = n.integer("mtu", DEFAULT.mtu, 68, 65535);
        String address = n.nullableString("address");
        if (address != null) {
            checkIpv4(n, address);
        }
        String address6 = n.nullableString("address6");
        if (address6 != null) {
            checkIpv6(n, address6);
        }
        String mac = n.nullableString("mac");
        if (mac != null) {
            mac = checkMac(n, mac);
        }
        boolean vnetHdr = n.bool("vnet_hdr", DEFAULT.vnetHdr);
        boolean offloads = n.bool("offloads", vnetHdr);
        if (offloads && !vnetHdr) {
            throw new ConfigException(n.path("offloads"), "offloads need vnet_hdr: true (the vnet header carries them)");
        }
        return new TapConfig(name, queues, mtu, address, mac, vnetHdr, address6, offloads);
    }

    static void checkName(YamlNode n, String name) {
        if (!Syntax.IFNAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new ConfigException(n.path("name"), YamlNode.quote(name)
                    + " is not a valid interface name (1..15 characters of A-Z a-z 0-9 _ . -)");
        }
    }

    static void checkIpv4(YamlNode n, String address) {
        if (!isIpv4Cidr(address)) {
            throw new ConfigException(n.path("address"), YamlNode.quote(address)
                    + " is not an IPv4 address with a prefix length (e.g. 198.18.0.1/24)");
        }
    }

    static void checkIpv6(YamlNode n, String address) {
        if (!isIpv6Cidr(address)) {
            throw new ConfigException(n.path("address6"), YamlNode.quote(address)
                    + " is not an IPv6 address with a prefix length (e.g. 2001:db8:0:1::1/64)");
        }
    }

    /** Returns the MAC in lower case. */
    static String checkMac(YamlNode n, String mac) {
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
        return mac.toLowerCase(java.util.Locale.ROOT);
    }

    static boolean isIpv6Cidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0 || !Syntax.isIpv6(s.substring(0, slash))) {
            return false;
        }
        String len = s.substring(slash + 1);
        return len.matches("[1-9][0-9]{0,2}") && Integer.parseInt(len) <= 128;
    }

    /** The TAP name of port {@code portName} at {@code index} when it names none: "cpm-" + port name, cut to 15. */
    public String defaultNameOf(int index, String portName) {
        if (index == 0) {
            return name;
        }
        String derived = "cpm-" + portName;
        return derived.length() <= 15 ? derived : derived.substring(0, 15);
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
