package io.cpumapd.cli;

import picocli.CommandLine.Command;

@Command(name = "filter", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show or swap the RX workers' filter (the XDP program's place).",
        subcommands = {FilterShowCommand.class, FilterSetCommand.class})
public final class FilterCommand {
}
