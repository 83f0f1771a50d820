package io.cpumapd.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "cpumapd", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "The kernel's BPF CPU map in user space: DPDK RX, Java filters, rte_ring queues, pinned consumers, TAP injection.",
        subcommands = {RunCommand.class, StatusCommand.class, CpumapCommand.class, FilterCommand.class, StatsCommand.class, ReloadCommand.class,
                BenchCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ExitCodes());
        return cl;
    }
}
