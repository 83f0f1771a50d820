package io.cpumapd.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure this machine (no daemon needed).",
        subcommands = {BenchRxFreeCommand.class, BenchRedirectCpuCommand.class, BenchInjectCommand.class, BenchReportCommand.class})
public final class BenchCommand {
}
