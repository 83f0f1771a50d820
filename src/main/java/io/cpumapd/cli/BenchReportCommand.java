package io.cpumapd.cli;

import io.cpumapd.bench.PerformanceReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes performance.md and performance-throughput.png from benchmark JSON results "
                + "(docs/regenerate-performance.sh runs the benchmarks and then this).")
public final class BenchReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--results", defaultValue = "docs/results", description = "Folder of JSON results (default ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--out", defaultValue = "docs", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        // The packaged runtime (jlink) leaves java.desktop out: it is only needed for this chart.
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            spec.commandLine().getErr().println("cpumapd: bench report draws its chart with java.desktop, which this Java"
                    + " runtime does not have: run it from a source checkout (./cpumapd bench report)");
            return ExitCodes.SOFTWARE;
        }
        System.setProperty("java.awt.headless", "true");
        new PerformanceReport(results, out).write();
        spec.commandLine().getOut().println("wrote " + out.resolve("performance.md") + " and "
                + out.resolve("performance-throughput.png"));
        return 0;
    }
}
