package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpumapd.testkit.TestEal;
import java.nio.file.Path;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Bad devices, port setups and pools give an exception with DPDK's reason, and the process goes on. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeviceErrorsTest {
    static Eal eal;

    @Test
    @Order(1)
    void theEalStartsOnceOnly() {
        eal = TestEal.start("net_null0");
        assertThat(Eal.isRunning()).isTrue();
        assertThat(Port.all()).extracting(Port::name).containsExactly("net_null0");
        assertThatThrownBy(() -> Eal.init(TestEal.baseArgs())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running");
    }

    @Test
    @Order(2)
    void missingDeviceIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> Port.byName("net_pcap7")).isInstanceOf(DpdkException.class)
                .hasMessageContaining("no such DPDK port");
        assertThatThrownBy(() -> eal.attach("net_pcap7,rx_pcap=" + dir.resolve("missing.pcap")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_dev_probe(net_pcap7");
        assertThatThrownBy(() -> eal.attach("net_nosuchdriver0")).isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_dev_probe(net_nosuchdriver0)");
        assertThat(Port.all()).extracting(Port::name).containsExactly("net_null0");
    }

    @Test
    @Order(3)
    void impossiblePortSetupIsRefusedWithTheReason() {
        Port port = Port.byName("net_null0");
        try (Mempool pool = Mempool.create("errors", 511, 0, Mempool.DEFAULT_DATA_ROOM)) {
            assertThatThrownBy(() -> port.configure(4096, 1, 512, 512, pool)).isInstanceOf(DpdkException.class)
                    .hasMessageContaining("port net_null0 (0) configure");
            port.configure(1, 1, 512, 512, pool);
            port.start();
            assertThat(port.link().up()).isTrue();
            assertThat(port.mac()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
            port.stop();
            port.close();
        }
    }

    @Test
    @Order(4)
    void impossibleMempoolIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Mempool.create("huge", 1 << 20, 0, Mempool.DEFAULT_DATA_ROOM))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_pktmbuf_pool_create(huge")
                .hasMessageContaining("Cannot allocate memory (ENOMEM)");
        assertThatThrownBy(() -> Mempool.create("badcache", 63, 600, Mempool.DEFAULT_DATA_ROOM))
                .isInstanceOf(DpdkException.class).hasMessageContaining("EINVAL");
        eal.close();
    }
}
