package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.control.ControlClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiConsumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command that talks to the daemon shares: where it listens and how to print its answer. */
public final class ControlOptions {
    public static final String DEFAULT_SOCKET = "/run/cpumapd/cpumapd.sock";

    /** The command this mixin is part of: where to find the options given before it. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH",
            defaultValue = "${env:CPUMAPD_SOCKET:-" + DEFAULT_SOCKET + "}",
            description = "The daemon's control socket (default: ${DEFAULT-VALUE}; env CPUMAPD_SOCKET).")
    Path socket;

    @Option(names = {"-j", "--json"}, description = "Print the daemon's answer as JSON.")
    boolean json;

    @Option(names = {"-p", "--pretty"}, description = "Print the daemon's answer as indented JSON (implies --json).")
    boolean pretty;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long to wait for the daemon's reply (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    ControlClient client() {
        return new ControlClient(socket(), Duration.ofNanos((long) (timeoutSeconds * 1e9)));
    }

    /** The command's own {@code -s} when given, else the one before the command, else the default. */
    Path socket() {
        GlobalOptions global = GlobalOptions.of(command);
        boolean own = command.commandLine().getParseResult().hasMatchedOption("--socket");
        return own || global.socket == null ? socket : global.socket;
    }

    private boolean pretty() {
        return pretty || GlobalOptions.of(command).pretty;
    }

    boolean jsonOutput() {
        return json || pretty() || GlobalOptions.of(command).json;
    }

    void printJson(PrintWriter out, JsonNode node) {
        out.println(pretty() ? node.toPrettyString() : node.toString());
        out.flush();
    }

    /**
     * One request, one answer: prints it as JSON when asked, otherwise hands it to {@code human}.
     * Errors travel as exceptions to {@link ExitCodes}.
     */
    int callAndPrint(CommandSpec spec, ObjectNode request, BiConsumer<PrintWriter, JsonNode> human) throws Exception {
        JsonNode result;
        try (ControlClient client = client()) {
            result = client.call(request);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (jsonOutput()) {
            printJson(out, result);
        } else {
            human.accept(out, result);
            out.flush();
        }
        return ExitCodes.OK;
    }
}
