package io.cpumapd.cli;

import io.cpumapd.control.Requests;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpumapd reload}: what SIGHUP does, with the outcome and its errors on this terminal. */
@Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Re-read the daemon's configuration file and apply what can change while it runs (the filter"
                + " and its parameters, the cpumap entries and their programs); keys that need a restart are named"
                + " and left as they are. A file with an error changes nothing.")
public final class ReloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Override
    public Integer call() throws Exception {
        return control.callAndPrint(spec, Requests.create("reload"), (out, r) -> {
            out.println("reloaded " + r.path("file").asText() + ": filter " + (r.path("filter_changed").asBoolean()
                    ? "now " + r.at("/filter/name").asText() : "unchanged") + ", entries updated " + r.path("updated")
                    + ", deleted " + r.path("deleted"));
            if (!r.path("restart_needed").isEmpty()) {
                out.println("changed keys that need a restart (left as they are): "
                        + String.join(", ", r.path("restart_needed").valueStream().map(n -> n.asText()).toList()));
            }
        });
    }
}
