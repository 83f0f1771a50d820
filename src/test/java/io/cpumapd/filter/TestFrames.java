package io.cpumapd.filter;

import io.cpumapd.pcap.FrameBuilder;

import java.util.LinkedHashMap;
import java.util.Map;

/** Named frames covering the shapes filters must handle, for table-driven tests. */
final class TestFrames {
    static final String A4 = "198.18.0.1", B4 = "198.18.0.2";
    static final String A6 = "2001:db8::1", B6 = "2001:db8::2";

    private TestFrames() {
    }

    static FrameBuilder v4() {
        return FrameBuilder.ethernet().ipv4(A4, B4);
    }

    static FrameBuilder v6() {
        return FrameBuilder.ethernet().ipv6(A6, B6);
    }

    static byte[] arp() {
        return FrameBuilder.ethernet().etherType(0x0806).payload(new byte[28]).build();
    }

    static byte[] ieee8023() {
        return FrameBuilder.ethernet().ieee8023().payload(new byte[46]).build();
    }

    /** Every shape, by name; ports 40001 -> 8080 (UDP 40001 -> 9 for the l4-filter cases). */
    static Map<String, byte[]> all() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("tcp4", v4().tcp(40001, 8080).build());
        f.put("udp4", v4().udp(40001, 8080).build());
        f.put("icmp4", v4().icmpEcho(1, 1).build());
        f.put("tcp6", v6().tcp(40001, 8080).build());
        f.put("udp6", v6().udp(40001, 8080).build());
        f.put("icmp6", v6().icmpEcho(1, 1).build());
        f.put("udp4-vlan", FrameBuilder.ethernet().vlan(10).ipv4(A4, B4).udp(40001, 8080).build());
        f.put("udp4-qinq", FrameBuilder.ethernet().qinq(100, 10).ipv4(A4, B4).udp(40001, 8080).build());
        f.put("udp4-ipopts", v4().ipOptions(new byte[] {1, 1, 1, 1, 1, 1, 1, 0}).udp(40001, 8080).build());
        f.put("udp4-frag-first", v4().fragment(0, true).udp(40001, 8080).payload(new byte[32]).build());
        f.put("udp4-frag-later", v4().fragment(64, false).udp(40001, 8080).payload(new byte[32]).build());
        f.put("udp6-hbh", v6().hopByHop().udp(40001, 8080).build());
        f.put("udp6-frag-first", v6().fragment(0, true).udp(40001, 8080).payload(new byte[32]).build());
        f.put("udp6-frag-later", v6().fragment(64, false).udp(40001, 8080).payload(new byte[32]).build());
        f.put("gre4", v4().rawProtocol(47).payload(new byte[8]).build());
        f.put("udp4-dport9", v4().udp(40001, 9).build());
        f.put("udp6-dport9", v6().udp(40001, 9).build());
        f.put("udp4-dport9-frag-first", v4().fragment(0, true).udp(40001, 9).payload(new byte[32]).build());
        f.put("udp4-dport9-frag-later", v4().fragment(64, false).udp(40001, 9).payload(new byte[32]).build());
        f.put("arp", arp());
        f.put("802.3", ieee8023());
        f.put("runt-13", FrameBuilder.truncate(v4().udp(1, 2).build(), 13));
        f.put("udp4-cut-in-ip", FrameBuilder.truncate(v4().udp(40001, 8080).build(), 14 + 12));
        f.put("udp4-cut-in-udp", FrameBuilder.truncate(v4().udp(40001, 8080).build(), 14 + 20 + 3));
        return f;
    }
}
