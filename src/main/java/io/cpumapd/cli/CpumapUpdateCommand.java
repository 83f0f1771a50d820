package io.cpumapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
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

@Command(name = "update", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Create or replace the entry of CPU: a new ring of qsize slots and a new consumer, swapped in "
                + "atomically; the old entry's packets are still processed.", "A qsize of 0 deletes the entry."})
public final class CpumapUpdateCommand implements Callable<Integer> {
    /** The protocol's tokens, hence lower case. */
    enum Flag { any, noexist, exist }

    @Spec
    CommandSpec spec;

    @Mixin
    ControlOptions control;

    @Parameters(index = "0", paramLabel = "CPU", description = "The entry's key: the consumer's CPU.")
    int cpu;

    @Option(names = "--qsize", required = true, paramLabel = "N",
            description = "Ring slots (at most 16384; 0 deletes the entry).")
    int qsize;

    @Option(names = "--prog", paramLabel = "NAME", description = "The entry's program (the daemon's default: pass).")
    String prog;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "A parameter of the program (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--flags", paramLabel = "FLAG",
            description = "any (the default), noexist (fail if the entry exists) or exist (fail if it does not).")
    Flag flags;

    /** The protocol's tokens, hence lower case. */
    enum Switch { on, off }

    @Option(names = "--gro", paramLabel = "on|off",
            description = "Merge TCP segments of a flow into GSO frames before the kernel (the default: the entry's "
                    + "current setting, on for a new entry).")
    Switch gro;

    @Override
    public Integer call() throws Exception {
        ObjectNode request = Requests.create("cpumap.update").put("cpu", cpu).put("qsize", qsize);
        if (prog != null) {
            request.put("prog", prog);
        }
        if (!params.isEmpty()) {
            ObjectNode p = request.putObject("params");
            params.forEach(p::put);
        }
        if (flags != null) {
            request.put("flags", flags.name());
        }
        if (gro != null) {
            request.put("gro", gro.name());
        }
        return control.callAndPrint(spec, request, (out, result) -> {
            JsonNode entry = result.path("entry");
            out.println(entry.isObject() ? Human.entry(entry) : "cpu " + cpu + ": entry deleted (qsize 0)");
        });
    }
}
