package io.cpumapd.cli;

import io.cpumapd.bench.RxFreeBenchmark;
import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "rx-free", mixinStandardHelpOptions = true,
        description = "rx_burst + free_bulk on net_null through the FFM layer and through the C shim, same run.")
public final class BenchRxFreeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--duration"}, defaultValue = "2", description = "Seconds per measurement (default ${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = {"-r", "--rounds"}, defaultValue = "5", description = "Java/C pairs measured (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = {"-b", "--burst"}, defaultValue = "32", description = "Burst size (default ${DEFAULT-VALUE}).")
    int burst;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> args = new ArrayList<>(List.of("--no-huge", "-m", "256", "--no-shconf", "--no-pci",
                "--no-telemetry", "-l", "0", "--file-prefix=cpumapd-bench-" + ProcessHandle.current().pid(),
                "--vdev=net_null0,size=64,copy=0"));
        try (Eal eal = Eal.init(args); Mempool pool = Mempool.create("bench", 8191, 256, Mempool.DEFAULT_DATA_ROOM)) {
            Port port = Port.byName("net_null0");
            port.configure(1, 1, 1024, 1024, pool);
            port.start();
            RxFreeBenchmark bench = new RxFreeBenchmark(port, burst);
            long durationNs = durationSeconds * 1_000_000_000L;
            bench.javaMpps(durationNs); // JIT warm-up
            double bestJava = 0;
            double bestC = 0;
            out.printf("%-6s %12s %12s %8s%n", "round", "java Mpps", "C Mpps", "java/C");
            for (int r = 1; r <= rounds; r++) {
                double j = bench.javaMpps(durationNs);
                double c = bench.cMpps(durationNs);
                bestJava = Math.max(bestJava, j);
                bestC = Math.max(bestC, c);
                out.printf("%-6d %12.2f %12.2f %7.1f%%%n", r, j, c, 100 * j / c);
                out.flush();
            }
            out.printf("best   %12.2f %12.2f %7.1f%%   (burst %d, net_null size 64, mempool in use after: %d)%n",
                    bestJava, bestC, 100 * bestJava / bestC, burst, pool.inUse());
            port.stop();
            port.close();
        }
        return 0;
    }
}
