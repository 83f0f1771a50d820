package io.cpumapd.cli;

import io.cpumapd.control.Requests;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Delete the entry of CPU; its consumer first processes what its ring still holds.")
public final class CpumapDeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Parameters(index = "0", paramLabel = "CPU", description = "The entry's key.")
    int cpu;

    @Override
    public Integer call() throws Exception {
        // As in the kernel, deleting an empty key is no error.
        return control.callAndPrint(spec, Requests.create("cpumap.delete").put("cpu", cpu), (out, result) ->
                out.println("cpu " + cpu + ": " + (result.path("deleted").asBoolean(false) ? "entry deleted" : "no entry")));
    }
}
