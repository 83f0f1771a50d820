package io.cpumapd.filter.bench;

import io.cpumapd.packet.Headers;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pcap.FrameBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The rule sets and frames {@link FilterBench} and {@link AclRxBench} share: random IPv4 prefixes of
 * a blocklist's spread of lengths, and frames of which {@code -Dbench.v6percent} (25) are IPv6 (to
 * 2001:db8::/32) and, of the IPv4 ones, {@code -Dbench.listedpercent} (50) come from inside a listed
 * prefix; UDP and TCP alike. {@code -Dbench.rules=mixed} makes every other prefix a destination and
 * gives a third of the rules a protocol and another third a source port range, so that no IPv4 lookup
 * decides from the address alone (the default, {@code blocklist}, is source prefixes only); a frame
 * inside a listed prefix then carries the address on that prefix's side.
 */
final class BenchTraffic {
    private BenchTraffic() {
    }

    private static final boolean MIXED = switch (System.getProperty("bench.rules", "blocklist")) {
        case "blocklist" -> false;
        case "mixed" -> true;
        default -> throw new IllegalArgumentException("bench.rules: blocklist or mixed");
    };

    /**
     * The rule lines for {@code prefixes}, each with {@code action}, then one IPv6 rule
     * ({@code dst=2001:db8::/32 proto=tcp}) redirecting to cpu 1.
     */
    static List<String> rules(List<int[]> prefixes, String action) {
        List<String> lines = new ArrayList<>(prefixes.size() + 1);
        for (int i = 0; i < prefixes.size(); i++) {
            String field = (onDestination(i) ? " dst=" : " src=") + cidr(prefixes.get(i));
            String extra = !MIXED || i % 3 == 0 ? "" : i % 3 == 1 ? " proto=udp" : " sport=1024-65535";
            lines.add(action + field + extra);
        }
        lines.add("redirect:1 dst=2001:db8::/32 proto=tcp");
        return lines;
    }

    private static boolean onDestination(int rule) {
        return MIXED && rule % 2 == 1;
    }

    /** {@code count} random prefixes /16../32, each as {address, length}. */
    static List<int[]> prefixes(Random rnd, int count) {
        List<int[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = 16 + rnd.nextInt(17);
            out.add(new int[] {rnd.nextInt() & (int) (0xFFFFFFFFL << (32 - length)), length});
        }
        return out;
    }

    /** The prefix as {@code a.b.c.d/len}. */
    static String cidr(int[] prefix) {
        return dotted(prefix[0]) + "/" + prefix[1];
    }

    static byte[] frame(Random rnd, List<int[]> prefixes) {
        FrameBuilder b = FrameBuilder.ethernet().dstMac("02:00:00:00:00:02");
        if (rnd.nextInt(100) < Integer.getInteger("bench.v6percent", 25)) {
            byte[] s = new byte[16];
            byte[] d = new byte[16];
            rnd.nextBytes(s);
            rnd.nextBytes(d);
            d[0] = 0x20;
            d[1] = 0x01;
            d[2] = 0x0d;
            d[3] = (byte) 0xb8;
            b.ip(s, d);
        } else {
            int src = rnd.nextInt();
            int rule = -1;
            if (rnd.nextInt(100) < Integer.getInteger("bench.listedpercent", 50)) {
                rule = rnd.nextInt(prefixes.size());
                int[] p = prefixes.get(rule);
                int hostBits = 32 - p[1];
                src = p[0] | (hostBits == 0 ? 0 : rnd.nextInt() >>> (32 - hostBits));
            }
            int dst = rnd.nextInt();
            if (rule >= 0 && onDestination(rule)) {
                int listed = src;
                src = dst;
                dst = listed;
            }
            b.ipv4(dotted(src), dotted(dst));
        }
        return (rnd.nextBoolean() ? b.udp(1024 + rnd.nextInt(60000), 53) : b.tcp(1024 + rnd.nextInt(60000), 443)).build();
    }

    /** The header parse every non-trivial filter starts with, alone, redirecting to {@code target}. */
    static PacketFilter parseOnly(int target) {
        Headers headers = new Headers();
        return p -> {
            headers.parse(p.dataAddress(), p.length());
            return p.redirect(target);
        };
    }

    private static String dotted(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
