package io.cpumapd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** cpumapd(8) is written from the Picocli model: every command and option the CLI parses is on it. */
class ManPageTest {
    private static String page() {
        StringWriter text = new StringWriter();
        ManPage.write(new PrintWriter(text), "1.2.3", "2026-12-01");
        return text.toString();
    }

    private static void commands(CommandSpec spec, List<CommandSpec> into) {
        for (CommandLine sub : spec.subcommands().values()) {
            if (!into.contains(sub.getCommandSpec())) {
                into.add(sub.getCommandSpec());
                commands(sub.getCommandSpec(), into);
            }
        }
    }

    @Test
    void everyCommandAndOptionIsOnThePage() {
        String page = page();
        List<CommandSpec> all = new ArrayList<>();
        commands(Main.commandLine().getCommandSpec(), all);
        assertThat(all).hasSizeGreaterThan(10);
        for (CommandSpec c : all) {
            assertThat(page).contains(".SS \"" + ManPage.text(c.qualifiedName()));
            for (OptionSpec o : c.options()) {
                if (!o.usageHelp() && !o.versionHelp()) {
                    assertThat(page).as("%s %s", c.qualifiedName(), o.longestName())
                            .contains("\\fB" + ManPage.text(o.longestName()) + "\\fR");
                }
            }
        }
    }

    @Test
    void headerSectionsAndEscapes() {
        String page = page();
        assertThat(page).startsWith(".TH CPUMAPD 8 \"2026-12-01\" \"cpumapd 1.2.3\" \"System Administration\"\n");
        int at = 0;
        for (String section : List.of("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES",
                "EXIT STATUS", "SEE ALSO")) {
            int next = page.indexOf(".SH " + section + "\n");
            assertThat(next).as(section).isGreaterThan(at);
            at = next;
        }
        // no text line that troff would take for a request, no raw hyphen in an option name
        assertThat(page.lines().filter(l -> l.startsWith("'"))).isEmpty();
        assertThat(page).contains("\\fB\\-s\\fR, \\fB\\-\\-socket\\fR \\fIPATH\\fR").doesNotContain("\\fB--");
        assertThat(ManPage.text(".x -y \\z")).isEqualTo("\\&.x \\-y \\ez");
    }
}
