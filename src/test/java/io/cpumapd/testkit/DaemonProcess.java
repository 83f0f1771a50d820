package io.cpumapd.testkit;

import io.cpumapd.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code cpumapd run --config FILE} as a separate process (its own JVM and EAL), with its log in a
 * file, and the real CLI entry point run in-process against its socket.
 */
public final class DaemonProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path socket;

    private DaemonProcess(Process process, Path log, Path socket) {
        this.process = process;
        this.log = log;
        this.socket = socket;
    }

    /** Starts the daemon; does not wait for it (see {@link #awaitLog}). */
    public static DaemonProcess start(Path config, Path socket, Path log, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("run");
        cmd.add("--config");
        cmd.add(config.toString());
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new DaemonProcess(p, log, socket);
    }

    /** Starts {@code command} (a daemon started some other way, e.g. the packaged {@code /usr/bin/cpumapd}). */
    public static DaemonProcess start(ProcessBuilder command, Path socket, Path log) throws IOException {
        Process p = command.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new DaemonProcess(p, log, socket);
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Waits until the log contains {@code text}; fails with the log if the process exits first or time is up. */
    public void awaitLog(String text, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (log().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited (" + process.exitValue() + ") before '" + text + "':\n" + log());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + text + "' within " + timeoutMs + " ms:\n" + log());
    }

    public Process process() {
        return process;
    }

    public Path socket() {
        return socket;
    }

    /** SIGTERM, then the exit code (or -1 when it did not exit within the time). */
    public int terminate(long timeoutMs) throws InterruptedException {
        process.destroy();
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Runs the real CLI ({@link Main#commandLine()}) with {@code -s SOCKET} added after the subcommand path. */
    public Cli cli(String... args) {
        List<String> withSocket = new ArrayList<>(List.of(args));
        withSocket.add("-s");
        withSocket.add(socket.toString());
        return Cli.run(withSocket.toArray(String[]::new));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** One CLI invocation: exit code, stdout, stderr. */
    public record Cli(int exit, String out, String err) {
        public static Cli run(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Cli(code, out.toString(), err.toString());
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }
}
