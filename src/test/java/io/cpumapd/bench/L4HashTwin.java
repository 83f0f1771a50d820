package io.cpumapd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Native;
import io.cpumapd.filter.Filters;
import io.cpumapd.filter.TargetSet;
import io.cpumapd.filter.testkit.FilterHarness;
import io.cpumapd.filter.testkit.FilterResult;
import io.cpumapd.packet.Headers;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.packet.Verdict;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Runs one frame through the C reference's l4-hash ({@code cpm_bench_headers_parse},
 * {@code cpm_bench_l4_target}) and the Java one ({@link Headers}, the {@code l4-hash} filter) at the
 * same address, and asserts the same 21 header fields and the same verdict and target for several
 * target counts. For tests of any package; one instance per test class (not thread-safe).
 */
public final class L4HashTwin {
    private static final MethodHandle C_PARSE = Native.downcall("cpm_bench_headers_parse",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle C_TARGET = Native.downcall("cpm_bench_l4_target",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int FIELDS = 21;
    private static final int[] TARGET_COUNTS = {1, 2, 3, 4, 7, 8, 64};

    private static final FilterHarness HARNESS = new FilterHarness();
    private static final Arena ARENA = Arena.ofShared();
    private static final MemorySegment OUT = ARENA.allocate(ValueLayout.JAVA_INT, FIELDS);
    private static final Map<Integer, PacketFilter> FILTERS = new HashMap<>();
    private final Headers headers = new Headers();
    private final int[] seenTargets = new int[64];
    private int compared;
    private int passed;

    /** After the last test of the JVM's test class. */
    public static void close() {
        HARNESS.close();
        ARENA.close();
    }

    private static PacketFilter filter(int targets) {
        return FILTERS.computeIfAbsent(targets, n -> Filters.create("l4-hash", Map.of(),
                TargetSet.of(IntStream.range(0, n).toArray())));
    }

    private static int[] javaFields(Headers h, boolean parsed) {
        return new int[] {b(h.l2Valid()), b(h.l3Valid()), b(h.l4Valid()), h.l2Length(), h.vlanCount(),
                h.outerVlanTci(), h.etherType(), h.l3Offset(), h.ipVersion(), h.l3HeaderLength(), h.l4Protocol(),
                h.l4Offset(), b(h.isFragment()), b(h.isFirstFragment()), h.srcAddressOffset(), h.dstAddressOffset(),
                h.addressLength(), h.srcPort(), h.dstPort(), h.tcpFlags(), h.icmpType(), b(parsed)};
    }

    private static int b(boolean v) {
        return v ? 1 : 0;
    }

    /** Both parsers and both hashes on the same bytes at the same address. */
    public void compare(String name, byte[] frame) throws Throwable {
        long m = HARNESS.load(0, frame);
        long address = Mbuf.dataAddress(m);
        MemorySegment data = MemorySegment.ofAddress(address);
        boolean parsed = headers.parse(address, frame.length);
        int cParsed = (int) C_PARSE.invokeExact(data, frame.length, OUT);
        int[] c = Arrays.copyOf(OUT.toArray(ValueLayout.JAVA_INT), FIELDS + 1);
        c[FIELDS] = cParsed;
        assertThat(c).as("fields of %s (%s)", name, headers).containsExactly(javaFields(headers, parsed));
        for (int n : TARGET_COUNTS) {
            FilterResult r = HARNESS.run(filter(n), frame);
            int cTarget = (int) C_TARGET.invokeExact(data, frame.length, n);
            int javaTarget = r.verdict() == Verdict.PASS ? -1 : r.cpumapKey();
            assertThat(r.verdict()).as("%s", name).isIn(Verdict.PASS, Verdict.REDIRECT);
            assertThat(cTarget).as("target of %s among %d (%s)", name, n, headers).isEqualTo(javaTarget);
            if (n == 64 && cTarget >= 0) {
                seenTargets[cTarget]++;
            }
            passed += cTarget < 0 ? 1 : 0;
        }
        compared++;
    }

    public int compared() {
        return compared;
    }

    /** Target-count-and-frame pairs both sides PASSed. */
    public int passed() {
        return passed;
    }

    /** Distinct targets among 64 that frames went to. */
    public long targetsSeen() {
        return Arrays.stream(seenTargets).filter(c -> c > 0).count();
    }
}
