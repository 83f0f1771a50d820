package io.cpumapd.filter;

import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.pcap.FrameBuilder;
import io.cpumapd.pcap.MixedTraffic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** No built-in may throw, whatever the bytes: random frames, every truncation, flipped bytes. */
class FilterFuzzTest {
    private static final FilterHarness HARNESS = new FilterHarness();

    @AfterAll
    static void close() {
        HARNESS.close();
    }

    private static List<PacketFilter> everyBuiltIn() {
        TargetSet targets = TargetSet.of(0, 1, 2);
        List<PacketFilter> filters = new ArrayList<>();
        for (String name : Filters.names()) {
            filters.add(Filters.create(name, Map.of(), targets));
        }
        filters.add(Filters.create("acl", Map.of("rule.1", "drop src=198.18.0.0/16 dport=1-1000",
                "rule.2", "redirect:1 dst=2001:db8::/32 proto=udp vlan=1-100", "rule.3", "pass sport=53",
                "default", "redirect:2"), targets));
        filters.add(Filters.create("rate-limit", Map.of("table_size", "16", "rate_pps", "5", "syn_pps", "2",
                "udp_pps", "3"), targets));
        return filters;
    }

    private static void feed(List<PacketFilter> filters, byte[] frame) {
        for (PacketFilter f : filters) {
            FilterResult r = HARNESS.run(f, frame);
            assertThat(r.thrown()).as("%s on %d bytes", f.name(), frame.length).isNull();
        }
    }

    @Test
    void everyTruncationOfEveryShape() {
        List<PacketFilter> filters = everyBuiltIn();
        List<byte[]> frames = new ArrayList<>(TestFrames.all().values());
        frames.addAll(new MixedTraffic(11).generate(40));
        frames.add(FrameBuilder.ethernet().qinq(7, 8).ipv6("2001:db8::1", "2001:db8::2").hopByHop()
                .fragment(0, true).tcp(1, 2).tcpFlags(FrameBuilder.SYN).payload(new byte[8]).build());
        for (byte[] frame : frames) {
            for (int len = 0; len <= Math.min(frame.length, 120); len++) {
                feed(filters, FrameBuilder.truncate(frame, len));
            }
        }
    }

    @Test
    void randomBytesAndCorruptedHeaders() {
        List<PacketFilter> filters = everyBuiltIn();
        Random rnd = new Random(42);
        List<byte[]> real = new MixedTraffic(5).generate(50);
        int[] types = {0x0800, 0x86DD, 0x8100, 0x88A8, 0x0806, 0x0001};
        for (int i = 0; i < 4000; i++) {
            byte[] frame;
            if (i % 2 == 0) {
                frame = new byte[rnd.nextInt(200)];
                rnd.nextBytes(frame);
                if (frame.length >= 14) {
                    // Steer half of the garbage into the IP / VLAN parsers.
                    int type = types[rnd.nextInt(types.length)];
                    frame[12] = (byte) (type >>> 8);
                    frame[13] = (byte) type;
                }
            } else {
                byte[] base = real.get(rnd.nextInt(real.size()));
                frame = FrameBuilder.truncate(base, rnd.nextInt(Math.min(base.length, 160) + 1));
                for (int flips = rnd.nextInt(4); flips > 0 && frame.length > 0; flips--) {
                    frame[rnd.nextInt(Math.min(frame.length, 80))] = (byte) rnd.nextInt(256);
                }
            }
            feed(filters, frame);
        }
    }
}
