package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.Requests;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, description = "Show the filter, its parameters and how often it was swapped.")
public final class FilterShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Override
    public Integer call() throws Exception {
        return control.callAndPrint(spec, Requests.create("filter.show"), FilterShowCommand::print);
    }

    static void print(PrintWriter out, JsonNode filter) {
        TextTable table = new TextTable("", "")
                .row("filter", Human.text(filter, "name"))
                .row("params", Human.params(filter.path("params")))
                .row("swaps", Human.text(filter, "swaps"));
        if (filter.has("counters")) { // filter show only: the filter's own counters (CountedFilter)
            table.row("counters", Human.params(filter.path("counters")));
        }
        table.print(out);
    }
}
