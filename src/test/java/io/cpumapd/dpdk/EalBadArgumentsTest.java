package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Invalid EAL arguments: an exception carrying DPDK's own complaint, and the JVM goes on. */
class EalBadArgumentsTest {

    @Test
    void unknownOptionIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", "--no-pci", "--no-such-option")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_eal_init(--no-huge --no-pci --no-such-option)")
                .hasMessageContaining("Invalid argument")
                .hasMessageContaining("unrecognized option '--no-such-option'")
                .hasMessageNotContaining("Usage:")
                .satisfies(e -> assertThat(((DpdkException) e).errno()).isEqualTo(Errno.EINVAL));
        assertThat(Eal.isRunning()).isFalse();
    }

    @Test
    void badValueIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", "--no-pci", "--proc-type=alien")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("Invalid process type specified");
    }

    @Test
    void missingOptionValueIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", "--vdev")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("option '--vdev' requires an argument");
    }
}
