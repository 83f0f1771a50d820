package io.cpumapd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The JSON output of the {@code bench} commands: {@code --json} to stdout, {@code --json-out} to a file. */
public final class BenchJsonOptions {
    /** The command this mixin is part of: {@code cpumapd -j bench ...} asks for JSON too. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = {"-j", "--json"}, description = "Print the results as JSON (progress goes to stderr).")
    boolean json;

    @Option(names = "--json-out", description = "Also write the JSON results to this file.")
    Path jsonOut;

    private boolean json() {
        return json || GlobalOptions.of(command).json;
    }

    /** Where progress and human-readable results go: stderr when stdout carries the JSON. */
    PrintWriter progress(CommandSpec spec) {
        return json() ? spec.commandLine().getErr() : spec.commandLine().getOut();
    }

    /** Whether {@link #write} would write anything: worth building the document. */
    boolean wanted() {
        return json() || jsonOut != null;
    }

    /** Writes {@code doc}, indented, where the options asked. */
    void write(CommandSpec spec, Map<String, Object> doc) throws IOException {
        String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc);
        if (jsonOut != null) {
            Files.writeString(jsonOut, text + "\n");
        }
        if (json()) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(text);
            out.flush();
        }
    }
}
