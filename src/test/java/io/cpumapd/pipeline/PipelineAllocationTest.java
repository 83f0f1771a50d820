package io.cpumapd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.bench.BenchFrames;
import io.cpumapd.bench.BenchPrograms;
import io.cpumapd.config.Cpus;
import io.cpumapd.counters.ConsumerCounter;
import io.cpumapd.counters.RxCounter;
import io.cpumapd.cpumap.CpuMap;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.packet.PacketFilter;
import io.cpumapd.testkit.TestEal;
import io.cpumapd.worker.IdleStrategies;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Zero allocation per packet is a property of the hot path, not a speed: after warm-up, at least a
 * million packets from net_null go through an RX worker (l4-hash) and a consumer, and the two
 * threads must have allocated (next to) nothing. The slack covers one-off JIT / deoptimisation
 * allocations, not anything that grows with the packet count.
 */
class PipelineAllocationTest {
    private static final long WARM_UP_PACKETS = 2_000_000;
    private static final long MEASURED_PACKETS = 1_000_000;
    private static final double MAX_BYTES_PER_PACKET = 0.01;
    private static final long TIMEOUT_NS = 120_000_000_000L;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Eal eal;

    @BeforeAll
    static void startEal() {
        eal = TestEal.start("net_null0,size=64,copy=0", "net_null1,size=64,copy=0");
    }

    @AfterAll
    static void stopEal() {
        eal.close();
    }

    @Test
    void remoteDropAllocatesNothingPerPacket() {
        measure("net_null0", BenchPrograms.remoteDrop(), "drop");
    }

    @Test
    void passIntoDropDeliveryAllocatesNothingPerPacket() {
        measure("net_null1", null, "pass");
    }

    private static void measure(String device, PacketFilter program, String label) {
        int cpu = Cpus.online().length() - 1;
        PipelineSpec spec = new PipelineSpec("alloc-" + label, 8191, 256, Mempool.DEFAULT_DATA_ROOM,
                List.of(new PipelineSpec.PortSpec("src", device, 1, 1024, 1024, false)),
                List.of(new PipelineSpec.WorkerSpec("alloc-rx", 0, List.of(new PipelineSpec.QueueRef("src", 0)),
                        false)), cpu + 1, 8, IdleStrategies.BUSY_SPIN, null);
        try (Pipeline p = Pipeline.create(spec, w -> BenchPrograms.rxFilter(BenchPrograms.L4_HASH, new int[] {cpu}))) {
            BenchFrames.prefill(p.mempool(), BenchFrames.udp(64, 60));
            p.update(cpu, 2048, program, CpuMap.ANY);
            p.startRx();
            waitFor(p, cpu, WARM_UP_PACKETS);
            long[] ids = hotThreads();
            assertThat(ids).as("RX worker and consumer threads").hasSize(2);
            long rx0 = p.counters().get(RxCounter.RX, 0);
            long c0 = p.counters().get(ConsumerCounter.PROCESSED, cpu);
            long[] before = THREADS.getThreadAllocatedBytes(ids);
            waitFor(p, cpu, c0 + MEASURED_PACKETS);
            long[] after = THREADS.getThreadAllocatedBytes(ids);
            long rxPackets = p.counters().get(RxCounter.RX, 0) - rx0;
            long consumed = p.counters().get(ConsumerCounter.PROCESSED, cpu) - c0;
            double rxPerPacket = (after[0] - before[0]) / (double) rxPackets;
            double consumerPerPacket = (after[1] - before[1]) / (double) consumed;
            System.out.printf(Locale.ROOT, "%s: RX %,d packets %,d bytes = %.5f B/packet; consumer %,d packets %,d "
                            + "bytes = %.5f B/packet%n", label, rxPackets, after[0] - before[0], rxPerPacket, consumed,
                    after[1] - before[1], consumerPerPacket);
            assertThat(consumed).isGreaterThanOrEqualTo(MEASURED_PACKETS);
            assertThat(rxPerPacket).as("RX worker bytes per packet").isLessThan(MAX_BYTES_PER_PACKET);
            assertThat(consumerPerPacket).as("consumer bytes per packet").isLessThan(MAX_BYTES_PER_PACKET);
            assertThat(p.shutdown()).as("mbufs leaked").isZero();
        }
    }

    private static void waitFor(Pipeline p, int cpu, long processed) {
        long deadline = System.nanoTime() + TIMEOUT_NS;
        while (p.counters().get(ConsumerCounter.PROCESSED, cpu) < processed) {
            assertThat(System.nanoTime()).as("consumer reached %,d packets in time", processed).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** RX worker first, then the consumer (named as the kernel's kthread). */
    private static long[] hotThreads() {
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals("alloc-rx")) {
                ids.add(0, t.threadId());
            }
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("cpumap/")) {
                ids.add(t.threadId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }
}
