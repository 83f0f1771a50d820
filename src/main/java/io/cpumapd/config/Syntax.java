package io.cpumapd.config;

import java.net.Inet6Address;
import java.util.regex.Pattern;

/** Checks of single values shared by several sections. */
final class Syntax {
    /** Our own names: ports, RX workers. */
    static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");
    static final Pattern PCI_ADDRESS = Pattern.compile("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    /** The virtual devices DPDK 22.11 on Debian ships and cpumapd knows how to use. */
    static final Pattern VDEV = Pattern.compile("net_(pcap|null|ring|af_packet|af_xdp|tap)[0-9]+");
    /** Linux interface names: IFNAMSIZ - 1 bytes, no '/', ':' or white space. */
    static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    private Syntax() {
    }

    /** A dotted quad with no leading zeros (which some parsers read as octal) and no short forms. */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                    || p.length() > 1 && p.charAt(0) == '0' || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An IPv6 literal, checked without any name lookup. */
    static boolean isIpv6(String s) {
        if (!s.contains(":")) {
            return false;
        }
        try {
            Inet6Address.ofLiteral(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isPowerOfTwo(int v) {
        return v > 0 && (v & (v - 1)) == 0;
    }
}
