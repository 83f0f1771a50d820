package io.cpumapd.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The IPv4 range table answers as the prefix trie it is built from, at every address that can differ. */
class Ipv4RangeTableTest {

    @Test
    void answersAsTheTrieOfTheSamePrefixes() {
        Random rnd = new Random(13);
        for (int size : new int[] {1, 40, 300, 5000}) {
            Ipv4RangeTable.Builder ranges = new Ipv4RangeTable.Builder();
            PrefixTrie.Builder trie = new PrefixTrie.Builder(32);
            List<Integer> probes = new ArrayList<>();
            for (int rule = 0; rule < size; rule++) {
                int length = rule == 0 ? rnd.nextInt(4) : 8 + rnd.nextInt(25);
                int address = rnd.nextInt() & (int) (0xFFFF_FFFFL << (32 - length));
                ranges.add(address, length, rule);
                trie.add((long) address << 32, 0, length, rule);
                int last = address | (int) (0xFFFF_FFFFL >>> length);
                probes.addAll(List.of(address, address - 1, last, last + 1));
            }
            for (int i = 0; i < 20_000; i++) {
                probes.add(rnd.nextInt());
            }
            // Odd rules decide alone; the payload tells which rule gave it.
            Ipv4RangeTable table = ranges.build(r -> r % 2 == 1, r -> 1000 + r);
            PrefixTrie reference = trie.build(r -> r % 2 == 1);
            for (int address : probes) {
                int code = reference.find((long) address << 32, 0);
                long found = table.find(address);
                assertThat((int) (found >>> 32)).as("size %d address %08x", size, address).isEqualTo(code);
                if (code >= 0 && code < PrefixTrie.CHECK) {
                    assertThat((int) found).isEqualTo(1000 + code);
                } else if (code != PrefixTrie.MISS && code < 0) {
                    assertThat(table.list(code)).isEqualTo(reference.list(code));
                }
            }
        }
    }

    @Test
    void directTableAnswersWholeSixteensOnly() {
        Ipv4RangeTable.Builder b = new Ipv4RangeTable.Builder();
        b.add(0xC612_0000, 16, 0); // 198.18.0.0/16: one rule, whole
        b.add(0xC613_0100, 24, 1); // 198.19.1.0/24: part of a /16
        Ipv4RangeTable direct = b.build(r -> true, r -> 70 + r).withDirect16(-2);
        assertThat(direct.direct16(0xC612_ABCD)).isEqualTo(70);
        assertThat(direct.direct16(0xC613_0101)).isEqualTo(Ipv4RangeTable.NOT_DIRECT);
        assertThat(direct.direct16(0x0A00_0001)).isEqualTo(-2);
        assertThat(direct.find(0xC613_0101) >>> 32).isEqualTo(1);
        assertThat((int) (direct.find(0x0A00_0001) >>> 32)).isEqualTo(PrefixTrie.MISS);
    }
}
