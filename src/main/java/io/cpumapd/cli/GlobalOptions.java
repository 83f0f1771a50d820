package io.cpumapd.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options given before the command ({@code cpumapd -s PATH -j status}), as grcli takes them.
 * The command's own option wins where both are given; these have no default of their own, so
 * that an unset one falls through to the command's (and its {@code $CPUMAPD_SOCKET}).
 */
public final class GlobalOptions {
    @Option(names = {"-s", "--socket"}, paramLabel = "PATH",
            description = "The daemon's control socket, for the commands that talk to it"
                    + " (default: $CPUMAPD_SOCKET, else " + ControlOptions.DEFAULT_SOCKET + ").")
    Path socket;

    @Option(names = {"-j", "--json"}, description = "JSON output, for the commands that have it.")
    boolean json;

    @Option(names = {"-p", "--pretty"}, description = "Indented JSON output (implies --json), for the daemon's answers.")
    boolean pretty;

    /** The options given before the command {@code spec} belongs to (none when the root is not {@link Main}). */
    static GlobalOptions of(CommandSpec spec) {
        return spec.root().userObject() instanceof Main main ? main.global : new GlobalOptions();
    }
}
