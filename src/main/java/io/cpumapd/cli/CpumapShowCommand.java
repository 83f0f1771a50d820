package io.cpumapd.cli;

import io.cpumapd.control.Requests;
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
        return control.callAndPrint(spec, Requests.create("cpumap.show"), Human::entries);
    }
}
