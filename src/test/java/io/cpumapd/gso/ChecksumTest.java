package io.cpumapd.gso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Checksum#add} (little-endian longs, four sums, swapped back) against the plainest RFC 1071
 * sum: big-endian 16-bit words one by one, an odd last byte padded with zero, folded. Random
 * lengths, start addresses of every alignment, seeds, and pieces of odd length joined as the
 * callers join them.
 */
class ChecksumTest {
    private static final int MAX = 9100;

    /** RFC 1071 as written: pairs of bytes, big-endian, an odd byte as the high half of a last word. */
    private static int reference(byte[] b, int from, int length, long seed) {
        long sum = seed;
        for (int i = 0; i < length; i += 2) {
            int hi = b[from + i] & 0xFF;
            int lo = i + 1 < length ? b[from + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    @Test
    void matchesTheReferenceForRandomLengthsAlignmentsAndSeeds() {
        SplittableRandom random = new SplittableRandom(16);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX + 64, 64);
            byte[] bytes = new byte[MAX + 64];
            for (int round = 0; round < 20_000; round++) {
                int length = round < 200 ? round : random.nextInt(round % 10 == 0 ? MAX : 1600);
                int offset = random.nextInt(64);
                fill(random, bytes, round);
                MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
                long seed = random.nextInt(4) == 0 ? 0 : random.nextLong(0, 1L << 40);
                int expected = reference(bytes, offset, length, seed);
                int got = Checksum.fold(Checksum.add(buf.address() + offset, length, seed));
                assertEquals(expected, got, "length " + length + " at offset " + offset + " seed " + seed);
            }
        }
    }

    @Test
    void piecesAddUpToTheWhole() {
        // Callers sum pseudo-header, headers and payload separately: pieces of even length, started
        // on an even offset of the whole, must add to the whole's sum.
        SplittableRandom random = new SplittableRandom(61);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX, 64);
            byte[] bytes = new byte[MAX];
            for (int round = 0; round < 2_000; round++) {
                fill(random, bytes, round);
                MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
                int length = 1 + random.nextInt(3000);
                int start = random.nextInt(40);
                int cut = random.nextInt(length + 1) & ~1;
                long sum = Checksum.add(buf.address() + start, cut, 0);
                sum = Checksum.add(buf.address() + start + cut, length - cut, sum);
                assertEquals(reference(bytes, start, length, 0), Checksum.fold(sum), "cut at " + cut + " of " + length);
            }
        }
    }

    @Test
    void extremeBytesDoNotOverflow() {
        // All ones over the biggest frame: every word 0xFFFF, every 32-bit half 0xFFFFFFFF.
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = new byte[65_535];
            java.util.Arrays.fill(bytes, (byte) 0xFF);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            for (int length : new int[] {0, 1, 2, 3, 31, 32, 33, 65_534, 65_535}) {
                assertEquals(reference(bytes, 0, length, 0xFFFF_FFFFL), Checksum.fold(
                        Checksum.add(buf.address(), length, 0xFFFF_FFFFL)), "length " + length);
            }
            byte[] zeros = new byte[100];
            MemorySegment z = arena.allocateFrom(ValueLayout.JAVA_BYTE, zeros);
            assertEquals(0, Checksum.fold(Checksum.add(z.address(), 100, 0)), "zeros sum to 0, not 0xFFFF");
        }
    }

    @Test
    void verifiesAcceptsAWrittenChecksumAndRejectsAnyFlippedBit() {
        SplittableRandom random = new SplittableRandom(1071);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048, 64);
            for (int round = 0; round < 300; round++) {
                int length = 20 + random.nextInt(1500);
                int offset = random.nextInt(8);
                long base = buf.address() + offset;
                for (int i = 0; i < length; i++) {
                    buf.set(ValueLayout.JAVA_BYTE, offset + i, (byte) random.nextInt());
                }
                long seed = random.nextLong(0, 1L << 20);
                buf.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + 16, (short) 0);
                int check = ~Checksum.fold(Checksum.add(base, length, seed)) & 0xFFFF;
                buf.set(ValueLayout.JAVA_BYTE, offset + 16, (byte) (check >>> 8));
                buf.set(ValueLayout.JAVA_BYTE, offset + 17, (byte) check);
                assertTrue(Checksum.verifies(base, length, seed), "round " + round);
                int bit = random.nextInt(length * 8);
                int at = offset + bit / 8;
                buf.set(ValueLayout.JAVA_BYTE, at, (byte) (buf.get(ValueLayout.JAVA_BYTE, at) ^ (1 << (bit % 8))));
                assertFalse(Checksum.verifies(base, length, seed), "bit " + bit + " flipped, round " + round);
            }
        }
    }

    private static void fill(SplittableRandom random, byte[] bytes, int round) {
        int kind = round % 4;
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = switch (kind) {
                case 0 -> (byte) random.nextInt();
                case 1 -> (byte) (random.nextInt(4) == 0 ? 0 : 0xFF); // carries in every half
                case 2 -> (byte) (0xF0 | random.nextInt(16));
                default -> (byte) random.nextInt(3);
            };
        }
    }
}
