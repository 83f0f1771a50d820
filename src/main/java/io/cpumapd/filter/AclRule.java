package io.cpumapd.filter;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * One parsed ACL rule: {@code ACTION [field=value ...]} (see {@link AclFilter} for the syntax).
 * An absent field matches anything; -1 marks absent numbers, a prefix length of -1 an absent prefix.
 * Control path only: the filter copies rules into flat arrays.
 */
record AclRule(int action, Prefix src, Prefix dst, int protocol, int sportLo, int sportHi,
               int dportLo, int dportHi, int vlanLo, int vlanHi, String origin) {

    /** Action codes; a value &ge; 0 is a cpumap key to redirect to. */
    static final int DROP = -1;
    static final int PASS = -2;

    /** An address prefix: family 4 or 6, the address in {@code hi:lo} (IPv4 in the top 32 bits of hi). */
    record Prefix(int family, long hi, long lo, int length) {
        private static final java.util.regex.Pattern IPV4_DOTTED_QUAD =
                java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
        static final Prefix ANY = new Prefix(0, 0, 0, -1);

        boolean present() {
            return length >= 0;
        }

        boolean contains(long addrHi, long addrLo) {
            if (length <= 64) {
                return ((addrHi ^ hi) & mask(length)) == 0;
            }
            return addrHi == hi && ((addrLo ^ lo) & mask(length - 64)) == 0;
        }

        static long mask(int bits) {
            return bits == 0 ? 0 : -1L << (64 - bits);
        }

        /** {@code 198.18.0.0/15}, {@code 2001:db8::/32}, or a bare address (a host prefix). Host bits are cleared. */
        static Prefix parse(String text) {
            int slash = text.indexOf('/');
            String literal = slash < 0 ? text : text.substring(0, slash);
            if (!literal.contains(":") && !IPV4_DOTTED_QUAD.matcher(literal).matches()) {
                // ofLiteral would also take "1.2.3" (as 1.2.0.3): too easy to mistype.
                throw new IllegalArgumentException("not an IPv4 or IPv6 address: '" + literal + "'");
            }
            InetAddress address;
            try {
                // ofLiteral never resolves names: a typo cannot turn into a DNS lookup.
                address = InetAddress.ofLiteral(literal);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an IPv4 or IPv6 address: '" + literal + "'");
            }
            byte[] bytes = address.getAddress();
            if (address instanceof Inet4Address && literal.contains(":")) {
                // An IPv4-mapped IPv6 literal: keep it IPv6, as the packets that carry it are.
                bytes = ByteBuffer.allocate(16).putLong(0).putShort((short) 0).putShort((short) 0xFFFF)
                        .put(bytes).array();
            }
            int family = bytes.length == 4 ? 4 : 6;
            int maxBits = bytes.length * 8;
            int length = maxBits;
            if (slash >= 0) {
                try {
                    length = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("prefix length is not a number: '" + text + "'");
                }
                if (length < 0 || length > maxBits) {
                    throw new IllegalArgumentException("prefix length " + length + " outside 0.." + maxBits
                            + ": '" + text + "'");
                }
            }
            ByteBuffer b = ByteBuffer.wrap(java.util.Arrays.copyOf(bytes, 16));
            long hi = b.getLong(0);
            long lo = b.getLong(8);
            if (length <= 64) {
                return new Prefix(family, hi & mask(length), 0, length);
            }
            return new Prefix(family, hi, lo & mask(length - 64), length);
        }
    }

    /** Parses one rule; the message of a failure names {@code origin} (file and line, or parameter). */
    static AclRule parse(String line, String origin) {
        return parse(line, origin, true);
    }

    /** @param echo false: the error names the problem, not the text (quoted parts masked, the rule left out) */
    static AclRule parse(String line, String origin, boolean echo) {
        String[] tokens = line.strip().split("\\s+");
        try {
            int action = parseAction(tokens[0]);
            Prefix src = Prefix.ANY, dst = Prefix.ANY;
            int protocol = -1;
            int[] sport = {-1, -1}, dport = {-1, -1}, vlan = {-1, -1};
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (int i = 1; i < tokens.length; i++) {
                int eq = tokens[i].indexOf('=');
                if (eq <= 0 || eq == tokens[i].length() - 1) {
                    throw new IllegalArgumentException("expected field=value, got '" + tokens[i] + "'");
                }
                String field = tokens[i].substring(0, eq).toLowerCase(Locale.ROOT);
                String value = tokens[i].substring(eq + 1);
                if (!seen.add(field)) {
                    throw new IllegalArgumentException("field '" + field + "' given twice");
                }
                switch (field) {
                    case "src" -> src = Prefix.parse(value);
                    case "dst" -> dst = Prefix.parse(value);
                    case "proto" -> protocol = parseProtocol(value);
                    case "sport" -> sport = parseRange(value, 65535, "port");
                    case "dport" -> dport = parseRange(value, 65535, "port");
                    case "vlan" -> vlan = parseRange(value, 4095, "VLAN id");
                    default -> throw new IllegalArgumentException("unknown field '" + field
                            + "' (known: src, dst, proto, sport, dport, vlan)");
                }
            }
            if (src.present() && dst.present() && src.family() != dst.family()) {
                throw new IllegalArgumentException("src and dst are of different address families");
            }
            return new AclRule(action, src, dst, protocol, sport[0], sport[1], dport[0], dport[1],
                    vlan[0], vlan[1], origin);
        } catch (IllegalArgumentException e) {
            if (!echo) {
                throw new FilterException("filter 'acl': " + origin + ": not a valid rule: "
                        + e.getMessage().replaceAll("'[^']*'", "'...'"));
            }
            throw new FilterException("filter 'acl': " + origin + ": " + e.getMessage() + " in rule '"
                    + line.strip() + "'");
        }
    }

    /** {@code drop}, {@code pass} or {@code redirect:<cpu>}. */
    static int parseAction(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.equals("drop")) {
            return DROP;
        }
        if (t.equals("pass")) {
            return PASS;
        }
        if (t.startsWith("redirect:")) {
            try {
                int key = Integer.parseInt(t.substring("redirect:".length()));
                if (key >= 0 && key <= 65535) {
                    return key;
                }
            } catch (NumberFormatException ignored) {
                // reported below with the expected forms
            }
        }
        throw new IllegalArgumentException("unknown action '" + text + "' (expected drop, pass or redirect:<cpu>)");
    }

    private static int parseProtocol(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "icmp" -> 1;
            case "tcp" -> 6;
            case "udp" -> 17;
            case "gre" -> 47;
            case "esp" -> 50;
            case "icmpv6" -> 58;
            case "sctp" -> 132;
            default -> parseRange(text, 255, "protocol (or icmp, tcp, udp, gre, esp, icmpv6, sctp)")[0];
        };
    }

    /** {@code N} or {@code N-M}, inclusive, within 0..max. */
    private static int[] parseRange(String text, int max, String what) {
        int dash = text.indexOf('-');
        int lo, hi;
        try {
            lo = Integer.parseInt(dash < 0 ? text : text.substring(0, dash));
            hi = dash < 0 ? lo : Integer.parseInt(text.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a " + what + " or range: '" + text + "'");
        }
        if (lo < 0 || hi > max || lo > hi) {
            throw new IllegalArgumentException(what + " range '" + text + "' outside 0.." + max + " or reversed");
        }
        if (dash >= 0 && what.startsWith("protocol")) {
            throw new IllegalArgumentException("a protocol is one number, not a range: '" + text + "'");
        }
        return new int[] {lo, hi};
    }
}
