package io.cpumapd.dpdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Invalid EAL arguments: an exception carrying DPDK's own complaint, the JVM goes on, and the
 * runtime directory a failed init may have created under the process's own prefix is gone.
 */
class EalBadArgumentsTest {
    private static final String PREFIX = "--file-prefix=cpumapd-badargs-" + ProcessHandle.current().pid();
    private static final Path RUNTIME_DIR = Path.of("/var/run/dpdk", PREFIX.substring("--file-prefix=".length()));

    @AfterEach
    void leavesNoRuntimeDirectory() {
        assertThat(RUNTIME_DIR).doesNotExist();
    }

    @Test
    void unknownOptionIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", "--no-pci", PREFIX, "--no-such-option")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("rte_eal_init(--no-huge --no-pci " + PREFIX + " --no-such-option)")
                .hasMessageContaining("Invalid argument")
                .hasMessageContaining("unrecognized option '--no-such-option'")
                .hasMessageNotContaining("Usage:")
                .satisfies(e -> assertThat(((DpdkException) e).errno()).isEqualTo(Errno.EINVAL));
        assertThat(Eal.isRunning()).isFalse();
    }

    @Test
    void badValueIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", "--no-pci", PREFIX, "--proc-type=alien")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("Invalid process type specified");
    }

    @Test
    void missingOptionValueIsNamed() {
        assertThatThrownBy(() -> Eal.init(List.of("--no-huge", PREFIX, "--vdev")))
                .isInstanceOf(DpdkException.class)
                .hasMessageContaining("option '--vdev' requires an argument");
    }
}
