package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpumapd.control.ControlClient;
import io.cpumapd.control.Requests;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "show", aliases = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "List the cpumap's entries: cpu, qsize, entry id, program.")
public final class CpumapShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Override
    public Integer call() throws Exception {
        JsonNode result;
        try (ControlClient client = control.client()) {
            result = client.call(Requests.create("cpumap.show"));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (control.jsonOutput()) {
            control.printJson(out, result);
        } else {
            Human.entries(out, result);
            out.flush();
        }
        return ExitCodes.OK;
    }
}
