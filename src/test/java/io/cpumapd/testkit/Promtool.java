package io.cpumapd.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Debian's {@code promtool} (package {@code prometheus}), the reference linter of the exposition format. */
public final class Promtool {
    public static final String BINARY = "promtool";
    private static final long TIMEOUT_SECONDS = 30;

    private Promtool() {
    }

    /**
     * Runs {@code promtool check metrics} on a Prometheus text exposition (0.0.4; promtool does not
     * read OpenMetrics) and returns its findings, one per line: empty when the exposition is clean.
     * A parse error is a finding too ({@code error while linting: ...}).
     */
    public static List<String> checkMetrics(String exposition) {
        Process process;
        try {
            process = new ProcessBuilder(BINARY, "check", "metrics").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY + " (Debian package prometheus)", e);
        }
        // Feed stdin from another thread: with a large exposition and a chatty linter, writing
        // everything before reading could fill both pipes.
        CompletableFuture<Void> input = CompletableFuture.runAsync(() -> {
            try (OutputStream in = process.getOutputStream()) {
                in.write(exposition.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream out = process.getInputStream()) {
                return new String(out.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(BINARY + " check metrics did not finish within " + TIMEOUT_SECONDS + " s");
            }
            input.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<String> findings = new ArrayList<>();
            for (String line : output.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).split("\n")) {
                if (!line.isBlank()) {
                    findings.add(line.strip());
                }
            }
            if (process.exitValue() != 0 && findings.isEmpty()) {
                findings.add(BINARY + " check metrics exited with " + process.exitValue());
            }
            return findings;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + BINARY, e);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException(BINARY + " check metrics failed", e);
        }
    }

    /**
     * Parses PromQL expressions as promtool does ({@code promtool check rules} on a file of
     * recording rules, one per expression): empty when every expression parses, else the errors.
     * Grafana's variables must be substituted first.
     */
    public static List<String> checkExpressions(List<String> expressions) {
        StringBuilder rules = new StringBuilder("groups:\n  - name: check\n    rules:\n");
        for (int i = 0; i < expressions.size(); i++) {
            rules.append("      - record: check:expr").append(i).append('\n')
                    .append("        expr: '").append(expressions.get(i).replace("'", "''")).append("'\n");
        }
        Path file = null;
        try {
            file = Files.createTempFile("cpumapd-rules-", ".yml");
            Files.writeString(file, rules);
            Cmd.Result r = Cmd.run(Cmd.DEFAULT_TIMEOUT, List.of(BINARY, "check", "rules", file.toString()));
            return r.exitCode() == 0 ? List.of()
                    : r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** {@code promtool --version}'s first line. */
    public static String version() {
        return Cmd.check(BINARY, "--version").lines().findFirst().orElse("").strip();
    }
}
