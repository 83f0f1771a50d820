package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code rte_eal_init} printed is replayed from a memfd: a capture whose size is a multiple of
 * the page size has no byte after it in the mapping. The old code wrote a terminating NUL there
 * (SIGBUS, which kills this test's JVM); the replay must work on the length alone.
 */
class EalCaptureReplayTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MEMFD_CREATE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("memfd_create").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle WRITE = LINKER.downcallHandle(LINKER.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle REPLAY = Native.downcall("cpm_eal_replay", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    @ParameterizedTest
    @ValueSource(ints = {4096, 8192, 4095, 4097})
    void aCaptureOfExactlyAPageOrMoreIsReplayedWithoutTouchingTheByteAfterIt(int size) throws Throwable {
        String text = capture(size);
        assertThat(text.getBytes(StandardCharsets.US_ASCII)).hasSize(size);
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) MEMFD_CREATE.invokeExact(arena.allocateFrom("eal-replay-test"), 0);
            assertThat(fd).isNotNegative();
            MemorySegment bytes = arena.allocateFrom(text, StandardCharsets.US_ASCII);
            assertThat((long) WRITE.invokeExact(fd, bytes, (long) size)).isEqualTo(size);
            MemorySegment diag = arena.allocate(1 << 16);
            int ret = (int) REPLAY.invokeExact(fd, 1, diag, 1 << 16);
            int closed = (int) CLOSE.invokeExact(fd);
            assertThat(ret).isZero();
            assertThat(closed).isZero();
            String kept = diag.getString(0);
            assertThat(kept).startsWith("EAL: line 0000 ").doesNotContain("Usage:").doesNotContain("--usage-text");
            // Every line outside the usage block, the unterminated last one included, in order.
            String expected = text.replaceAll("(?s)Usage:.*?(?=EAL: )", "");
            assertThat(kept.strip()).isEqualTo(expected.strip());
        }
    }

    /** EAL-like lines with a usage block in the middle, exactly {@code size} bytes, no final newline. */
    private static String capture(int size) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < size - 200; i++) {
            sb.append("EAL: line %04d of what DPDK said\n".formatted(i));
            if (i == 3) {
                sb.append("Usage: cpumapd [options]\n  --usage-text lines that are left out\n");
            }
        }
        while (sb.length() < size - 1) {
            sb.append('x');
        }
        return sb.append('y').toString();
    }
}
