package io.cpumapd.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a command for a test: output captured (stdout and stderr merged), never hangs. */
public final class Cmd {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private Cmd() {
    }

    public record Result(List<String> command, int exitCode, String output) {
        /** The output, or an exception carrying the command, its exit code and its output. */
        public String orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exitCode + ": "
                        + output.strip());
            }
            return output;
        }
    }

    /** Runs {@code command}; throws when it exits non-zero. Returns its output. */
    public static String check(String... command) {
        return run(DEFAULT_TIMEOUT, List.of(command)).orThrow();
    }

    public static Result run(String... command) {
        return run(DEFAULT_TIMEOUT, List.of(command));
    }

    public static Result run(Duration timeout, List<String> command) {
        return run(timeout, new ProcessBuilder(command));
    }

    /** Runs a prepared process (its own environment or directory). */
    public static Result run(Duration timeout, ProcessBuilder builder) {
        List<String> command = builder.command();
        String text = String.join(" ", command);
        Process process;
        try {
            process = builder.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + text, e);
        }
        // Read while it runs: a full pipe would block the child until the timeout.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(text + " did not finish within " + timeout);
            }
            return new Result(command, process.exitValue(), output.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + text, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the output of " + text, e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
