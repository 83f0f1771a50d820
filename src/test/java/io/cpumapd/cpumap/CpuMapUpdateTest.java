package io.cpumapd.cpumap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Errno;
import io.cpumapd.packet.Verdict;
import io.cpumapd.testkit.TestPipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's update / delete / lookup cases, with real rings and consumer threads. */
class CpuMapUpdateTest {
    static Eal eal;
    static TestPipeline p;

    @BeforeAll
    static void start() {
        eal = TestPipeline.startEal("net_null0,size=64,copy=0");
        p = new TestPipeline("net_null0", packet -> Verdict.DROP, 2, 8, "backoff");
    }

    @AfterAll
    static void stop() {
        p.close();
        eal.close();
    }

    static void assertErrno(Runnable r, int errno, String text) {
        assertThatThrownBy(r::run).isInstanceOf(CpuMapException.class).hasMessageContaining(text)
                .satisfies(e -> assertThat(((CpuMapException) e).errno()).isEqualTo(errno));
    }

    @Test
    void errorsMirrorTheKernel() {
        assertErrno(() -> p.map.update(2, 64, null, CpuMap.ANY), Errno.E2BIG, "outside max_entries 2");
        assertErrno(() -> p.map.update(0, 16385, null, CpuMap.ANY), Errno.EOVERFLOW, "qsize 16385");
        assertErrno(() -> p.map.update(0, -1, null, CpuMap.ANY), Errno.EOVERFLOW, "out of range");
        assertErrno(() -> p.map.update(0, 64, null, 7), Errno.EINVAL, "unknown update flags");
        assertErrno(() -> p.map.update(1, 64, null, CpuMap.EXIST), Errno.ENOENT, "has no entry");
        assertErrno(() -> p.map.delete(5), Errno.EINVAL, "outside max_entries");
        assertThat(p.map.delete(1)).as("deleting an empty key succeeds, as in the kernel").isFalse();

        p.map.update(1, 64, null, CpuMap.NOEXIST);
        assertErrno(() -> p.map.update(1, 64, null, CpuMap.NOEXIST), Errno.EEXIST, "already has an entry");
        CpuMap.EntryInfo first = p.map.lookup(1);
        assertThat(first.qsize()).isEqualTo(64);
        assertThat(first.program()).isEqualTo("pass");

        CpuMapEntry second = p.map.update(1, 16384, null, CpuMap.EXIST);
        assertThat(second.ring().capacity()).isEqualTo(16384);
        assertThat(p.map.lookup(1).entryId()).as("an update always builds a new entry").isNotEqualTo(first.entryId());
        assertThat(p.map.entries()).extracting(CpuMap.EntryInfo::cpu).containsExactly(1);

        assertThat(p.map.update(1, 0, null, CpuMap.ANY)).as("qsize 0 deletes").isNull();
        assertThat(p.map.lookup(1)).isNull();
        p.map.awaitRetired();
        assertThat(second.freed()).isCompleted();
    }

    @Test
    void aCpuOutsideTheProcessSetIsEnodev() {
        java.util.BitSet only0 = new java.util.BitSet();
        only0.set(0);
        CpuMap small = new CpuMap(2, only0, new Quiescence(), (m, e) -> {
            throw new AssertionError("no consumer should be built");
        });
        assertErrno(() -> small.update(1, 64, null, CpuMap.ANY), Errno.ENODEV, "cpu 1 does not exist");
        assertErrno(() -> new CpuMap(64, only0, new Quiescence(), (m, e) -> null), Errno.E2BIG, "max_entries 64");
        small.close();
    }

    @Test
    void consumerThreadIsNamedAndPinnedLikeTheKthread() throws Exception {
        CpuMapEntry e = p.map.update(0, 128, null, CpuMap.ANY);
        Thread t = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().equals("cpumap/0/map:" + e.id())).findFirst().orElseThrow();
        assertThat(t.isAlive()).isTrue();
        p.map.delete(0);
        p.map.awaitRetired();
        t.join(5000);
        assertThat(t.isAlive()).as("retired consumer stopped").isFalse();
    }
}
