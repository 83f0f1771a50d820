package io.cpumapd.testkit;

import io.cpumapd.dpdk.Eal;
import java.util.ArrayList;
import java.util.List;

/**
 * The EAL for a test JVM (Surefire forks one JVM per test class): no hugepages, no PCI, no
 * files under /var/run, and only the virtual devices the test names.
 */
public final class TestEal {
    private TestEal() {
    }

    /** Base arguments every test and benchmark uses on a machine without hugepages or NICs. */
    public static List<String> baseArgs() {
        return List.of("--no-huge", "-m", "512", "--no-shconf", "--file-prefix=cpumapd-test-" + ProcessHandle.current().pid(), "--no-pci", "--no-telemetry", "-l", "0",
                "--log-level=lib.eal:warning");
    }

    public static Eal start(String... vdevs) {
        List<String> args = new ArrayList<>(baseArgs());
        for (String v : vdevs) {
            args.add("--vdev=" + v);
        }
        return Eal.init(args);
    }
}
