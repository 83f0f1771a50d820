package io.cpumapd.cli;

import picocli.CommandLine.Command;

@Command(name = "cpumap", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Show and change the cpumap's entries (as bpftool map show|update|delete).",
        subcommands = {CpumapShowCommand.class, CpumapUpdateCommand.class, CpumapDeleteCommand.class})
public final class CpumapCommand {
}
