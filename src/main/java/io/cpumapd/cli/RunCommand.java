package io.cpumapd.cli;

import io.cpumapd.config.Config;
import io.cpumapd.config.ConfigException;
import io.cpumapd.config.ConfigLoader;
import io.cpumapd.control.ControlException;
import io.cpumapd.daemon.Daemon;
import io.cpumapd.daemon.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code cpumapd run}: the daemon in the foreground. SIGINT / SIGTERM start the orderly shutdown
 * (stop RX, drain rings into the TAP, free, close) and the process exits 0 when the mempool came
 * back full, 1 when mbufs leaked.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run the daemon in the foreground until SIGINT / SIGTERM (default: the embedded configuration,"
                + " which replays a bundled capture into TAP cpumapd0).")
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration (default: the embedded one).")
    Path configFile;

    @Option(names = "--print-config", description = "Print the effective configuration and exit.")
    boolean printConfig;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop by itself after this many seconds.")
    Double durationSeconds;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Config config;
        try {
            config = configFile == null ? ConfigLoader.loadDefault() : ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            err.println("cpumapd: config " + (configFile == null ? "(embedded)" : configFile) + ": " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        if (printConfig) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(config.toYaml());
            // print() does not flush Picocli's writer, and main() exits right after.
            out.flush();
            return ExitCodes.OK;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Logging.install(System.out); // the daemon's log is its stdout (journald)
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (ControlException e) {
            err.println("cpumapd: " + e.getMessage());
            return ExitCodes.SOFTWARE;
        } catch (IOException | RuntimeException e) {
            err.println("cpumapd: cannot start: " + e.getMessage());
            return ExitCodes.SOFTWARE;
        }
        if (durationSeconds == null) {
            stop.await();
        } else {
            stop.await((long) (durationSeconds * 1000), TimeUnit.MILLISECONDS);
        }
        int leaked = daemon.stop();
        return leaked == 0 ? ExitCodes.OK : ExitCodes.SOFTWARE;
    }
}
