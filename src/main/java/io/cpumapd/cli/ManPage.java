package io.cpumapd.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes {@code cpumapd(8)} in troff from the Picocli model, so the man page lists exactly the
 * commands and options the CLI parses. picocli-codegen's generator writes AsciiDoc, which would
 * need asciidoctor at package time; troff is little enough to write directly.
 * Usage (the package build runs it): {@code java -cp ... io.cpumapd.cli.ManPage VERSION DATE > cpumapd.8}.
 */
public final class ManPage {
    private final PrintWriter out;

    private ManPage(PrintWriter out) {
        this.out = out;
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ManPage VERSION DATE (YYYY-MM-DD)");
            System.exit(ExitCodes.USAGE);
        }
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        write(out, args[0], args[1]);
        out.flush();
    }

    /** The whole page for the CLI of {@link Main}. */
    public static void write(PrintWriter out, String version, String date) {
        new ManPage(out).page(Main.commandLine().getCommandSpec(), version, date);
    }

    private void page(CommandSpec root, String version, String date) {
        out.println(".TH CPUMAPD 8 " + quoted(date) + " " + quoted("cpumapd " + version) + " \"System Administration\"");
        out.println(".SH NAME");
        out.println("cpumapd \\- " + text(String.join(" ", root.usageMessage().description())));
        out.println(".SH SYNOPSIS");
        out.println(".B cpumapd");
        out.println("[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR]");
        out.println(".SH DESCRIPTION");
        out.println("\\fBcpumapd run\\fR is the daemon: DPDK ports are polled by pinned RX workers that run a filter on every"
                + " packet; redirected packets travel through per-CPU rings to pinned consumers, which inject them into the"
                + " kernel through a TAP device.");
        out.println("The other commands talk to the running daemon over its control socket, or measure the machine"
                + " without a daemon (\\fBbench\\fR).");
        out.println("As a service, the daemon is started by systemd (\\fBcpumapd.service\\fR) with"
                + " \\fI/etc/cpumapd/cpumapd.yaml\\fR.");
        out.println(".SH OPTIONS");
        out.println("Given before the command, these apply to every command that has them;"
                + " the command's own options win.");
        options(root);
        out.println(".SH COMMANDS");
        for (CommandLine sub : root.subcommands().values().stream().distinct().toList()) {
            command(sub.getCommandSpec());
        }
        out.println(".SH ENVIRONMENT");
        item("\\fBCPUMAPD_SOCKET\\fR", "The control socket when no \\fB\\-s\\fR is given (default "
                + text(ControlOptions.DEFAULT_SOCKET) + ").");
        item("\\fBCPUMAPD_JAVA_OPTS\\fR", "Extra options for the Java runtime, e.g. \\fB\\-Xmx1g\\fR.");
        out.println(".SH FILES");
        item("\\fI/etc/cpumapd/cpumapd.yaml\\fR", "The service's configuration; every key is explained in its comments.");
        item("\\fI/run/cpumapd/cpumapd.sock\\fR", "The control socket.");
        item("\\fI/usr/share/cpumapd/mixed-traffic.pcap\\fR", "The capture the default configuration replays.");
        item("\\fI/lib/systemd/system/cpumapd.service\\fR", "The systemd unit.");
        out.println(".SH EXIT STATUS");
        exitStatus();
        out.println(".SH SEE ALSO");
        out.println(".BR systemctl (1),");
        out.println(".BR journalctl (1),");
        out.println(".BR bpftool (8),");
        out.println(".BR ip (8)");
        out.println(".PP");
        out.println("\\fI/usr/share/doc/cpumapd/\\fR");
    }

    private void command(CommandSpec spec) {
        if (spec.usageMessage().hidden()) {
            return;
        }
        out.println(".SS " + quoted(text(synopsis(spec))));
        for (String line : spec.usageMessage().description()) {
            out.println(text(line));
        }
        if (spec.subcommands().isEmpty()) {
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.hidden()) {
                    item("\\fI" + text(p.paramLabel()) + "\\fR", description(p));
                }
            }
            options(spec);
        }
        for (CommandLine sub : spec.subcommands().values().stream().distinct().toList()) {
            command(sub.getCommandSpec());
        }
    }

    /** The options of {@code spec} but -h and -V, which every command has and the page's head explains. */
    private void options(CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.hidden() || (spec.parent() != null && (o.usageHelp() || o.versionHelp()))) {
                continue;
            }
            StringBuilder names = new StringBuilder();
            for (String name : o.names()) {
                names.append(names.isEmpty() ? "" : ", ").append("\\fB").append(text(name)).append("\\fR");
            }
            if (o.arity().max() > 0) {
                names.append(" \\fI").append(text(o.paramLabel())).append("\\fR");
            }
            item(names.toString(), description(o));
        }
    }

    private static String synopsis(CommandSpec spec) {
        StringBuilder s = new StringBuilder(spec.qualifiedName());
        if (!spec.subcommands().isEmpty()) {
            return s.append(" COMMAND").toString();
        }
        if (spec.options().stream().anyMatch(o -> !o.hidden() && !o.usageHelp() && !o.versionHelp())) {
            s.append(" [OPTIONS]");
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            s.append(' ').append(p.arity().min() == 0 ? "[" + p.paramLabel() + "]" : p.paramLabel());
        }
        return s.toString();
    }

    private static String description(ArgSpec arg) {
        // Picocli descriptions are format strings: %n is a line break.
        return text(String.join(" ", arg.description()).replace("%n", " "));
    }

    private void exitStatus() {
        item("0", "Success.");
        item(String.valueOf(ExitCodes.SOFTWARE), "The daemon failed the request, or the daemon exited with mbufs leaked.");
        item(String.valueOf(ExitCodes.USAGE), "Usage error.");
        item(String.valueOf(ExitCodes.UNREACHABLE), "The daemon is not reachable on the control socket.");
        item(ExitCodes.E2BIG + "\\(en" + ExitCodes.EINVAL, "The kernel's cpumap errors: E2BIG, ENODEV, EOVERFLOW,"
                + " EEXIST, ENOENT, EINVAL, in that order.");
        item(String.valueOf(ExitCodes.EFILTER), "The filter cannot be loaded; the old one stays.");
        item(String.valueOf(ExitCodes.PROTOCOL), "Control protocol error.");
        item(String.valueOf(ExitCodes.CONFIG), "\\fBrun\\fR: the configuration was refused.");
    }

    private void item(String tag, String body) {
        out.println(".TP");
        out.println(tag);
        out.println(body);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\"", "\\(dq") + "\"";
    }

    /** Plain text made safe for troff: backslashes and hyphens escaped, no line taken for a request. */
    static String text(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        if (t.startsWith(".") || t.startsWith("'")) {
            t = "\\&" + t;
        }
        return t.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
    }
}
