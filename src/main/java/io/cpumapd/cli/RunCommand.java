package io.cpumapd.cli;

import io.cpumapd.dpdk.Eal;
import io.cpumapd.dpdk.HandleArray;
import io.cpumapd.dpdk.Mbuf;
import io.cpumapd.dpdk.Mempool;
import io.cpumapd.dpdk.Port;
import io.cpumapd.dpdk.PortStats;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts the EAL on the default virtual devices, sets every port up and reports what arrives,
 * until SIGINT / SIGTERM. The redirect pipeline and YAML configuration replace this body.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run in the foreground until SIGINT / SIGTERM.")
public final class RunCommand implements Callable<Integer> {
    static final List<String> DEFAULT_EAL = List.of("--no-huge", "-m", "256", "--no-shconf", "--no-pci",
            "--no-telemetry", "-l", "0", "--vdev=net_null0,size=64,copy=0");

    @Spec
    CommandSpec spec;

    @Option(names = "--eal", split = " ", description = "EAL arguments (default: ${DEFAULT-VALUE}).",
            defaultValue = "--no-huge -m 256 --no-shconf --no-pci --no-telemetry -l 0 --vdev=net_null0,size=64,copy=0")
    List<String> ealArgs = new ArrayList<>(DEFAULT_EAL);

    @Option(names = "--duration", description = "Stop after this many seconds (default: until a signal).")
    Integer durationSeconds;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        List<String> args = new ArrayList<>(ealArgs);
        args.add("--file-prefix=cpumapd-" + ProcessHandle.current().pid());
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGINT / SIGTERM run shutdown hooks: ask the loop to stop, and hold the JVM until ports are closed.
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cpumapd-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Eal eal = Eal.init(args); Mempool pool = Mempool.create("rx", 8191, 256, Mempool.DEFAULT_DATA_ROOM)) {
            out.printf("eal: started, %s, %d lcore(s)%n", Eal.version(), eal.lcoreCount());
            List<Port> ports = Port.all();
            for (Port p : ports) {
                p.configure(1, 1, 1024, 1024, pool);
                p.promiscuous(true);
                p.start();
                Port.PortInfo info = p.info();
                Port.Link link = p.link();
                out.printf("port %d: %s driver=%s mac=%s link=%s%n", p.id(), p.name(), info.driver(), p.mac(),
                        link.up() ? "up" : "down");
            }
            out.flush();
            drainUntil(stop, ports, out);
            for (Port p : ports) {
                p.stop();
                p.close();
            }
            out.printf("stopped, mempool in use: %d%n", pool.inUse());
            out.flush();
        } finally {
            stopped.countDown();
        }
        return 0;
    }

    private void drainUntil(CountDownLatch stop, List<Port> ports, PrintWriter out) throws InterruptedException {
        long end = durationSeconds == null ? Long.MAX_VALUE : System.nanoTime() + durationSeconds * 1_000_000_000L;
        long nextReport = System.nanoTime() + 1_000_000_000L;
        try (Arena arena = Arena.ofConfined()) {
            HandleArray burst = new HandleArray(arena, 32);
            while (stop.getCount() > 0 && System.nanoTime() < end) {
                for (Port p : ports) {
                    Mbuf.freeBulk(burst, p.rxBurst(0, burst, 32));
                }
                if (System.nanoTime() >= nextReport) {
                    nextReport += 1_000_000_000L;
                    for (Port p : ports) {
                        PortStats s = p.stats();
                        out.printf("port %d: rx %d packets, %d bytes, missed %d%n", p.id(), s.rxPackets(),
                                s.rxBytes(), s.rxMissed());
                    }
                    out.flush();
                    Thread.sleep(1); // a demo loop: leave the core to others between reports
                }
            }
        }
    }
}
