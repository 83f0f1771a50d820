package io.cpumapd.cli;

import io.cpumapd.daemon.Version;
import picocli.CommandLine.IVersionProvider;

public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"cpumapd " + Version.VERSION, "Java " + Runtime.version()};
    }
}
