package io.cpumapd.cli;

import io.cpumapd.daemon.Logging;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "cpumapd", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "The kernel's BPF CPU map in user space: DPDK RX, Java filters, rte_ring queues, pinned consumers, TAP injection.",
        subcommands = {RunCommand.class, StatusCommand.class, CpumapCommand.class, FilterCommand.class, StatsCommand.class,
                BenchCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main {
    @Mixin
    GlobalOptions global;

    public static void main(String[] args) {
        // Logs go to stderr, so a command's own output stays clean; `run` moves them to stdout.
        Logging.install(System.err);
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ExitCodes());
        return cl;
    }
}
