package io.cpumapd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpumapd.control.Requests;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "set", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Swap in another filter; if it cannot be loaded, the current one stays.")
public final class FilterSetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Parameters(index = "0", paramLabel = "NAME", description = "The filter, e.g. l4-hash, round-robin.")
    String name;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "A parameter of the filter (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        ObjectNode request = Requests.create("filter.set").put("name", name);
        if (!params.isEmpty()) {
            ObjectNode p = request.putObject("params");
            params.forEach(p::put);
        }
        return control.callAndPrint(spec, request, FilterShowCommand::print);
    }
}
