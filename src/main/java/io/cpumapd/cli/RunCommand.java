package io.cpumapd.cli;

import io.cpumapd.config.Config;
import io.cpumapd.config.ConfigException;
import io.cpumapd.config.ConfigLoader;
import io.cpumapd.control.ControlException;
import io.cpumapd.daemon.Daemon;
import io.cpumapd.daemon.Logging;
import io.cpumapd.daemon.SignalDisposition;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code cpumapd run}: the daemon in the foreground. SIGINT / SIGTERM start the orderly shutdown
 * (stop RX, drain rings into the TAP, free, close) and the process exits 0 when the mempool came
 * back full, 1 when mbufs leaked, {@link ExitCodes#STUCK} when a hot thread did not stop in time.
 * SIGHUP re-reads the configuration file (see {@code cpumapd reload}).
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
        AtomicReference<Daemon> running = new AtomicReference<>();
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // SIGHUP is the service manager's reload signal: its default action would end the process.
        // The reload runs on a thread of its own, never on the signal dispatcher. Inherited as ignored
        // (nohup), the JVM would not install the handler at all: the default action goes back first.
        boolean hupWasIgnored = SignalDisposition.restoreDefault(SignalDisposition.SIGHUP);
        Signal.handle(new Signal("HUP"), s -> {
            Daemon d = running.get();
            if (d == null) {
                err.println("cpumapd: SIGHUP while starting: ignored");
                err.flush();
                return;
            }
            Thread.ofPlatform().name("cpumapd-reload").daemon().start(d::reloadFromSignal);
        });
        Logging.install(System.out); // the daemon's log is its stdout (journald)
        if (hupWasIgnored) {
            Logging.logger("daemon").log(System.Logger.Level.INFO,
                    "SIGHUP was inherited as ignored (nohup?): it reloads the configuration all the same");
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(config, configFile == null ? null : configFile.toAbsolutePath());
        } catch (ControlException e) {
            err.println("cpumapd: " + e.getMessage());
            return ExitCodes.SOFTWARE;
        } catch (IOException | RuntimeException e) {
            err.println("cpumapd: cannot start: " + e.getMessage());
            return ExitCodes.SOFTWARE;
        }
        running.set(daemon);
        if (durationSeconds == null) {
            stop.await();
        } else {
            stop.await((long) (durationSeconds * 1000), TimeUnit.MILLISECONDS);
        }
        int leaked = daemon.stop();
        if (leaked < 0) {
            // A hot thread that does not stop still uses DPDK memory: end the process without freeing it.
            err.flush();
            spec.commandLine().getOut().flush();
            Runtime.getRuntime().halt(ExitCodes.STUCK);
        }
        return leaked == 0 ? ExitCodes.OK : ExitCodes.SOFTWARE;
    }
}
