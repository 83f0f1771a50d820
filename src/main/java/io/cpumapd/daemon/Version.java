package io.cpumapd.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project version, from a resource Maven fills in at build time. */
public final class Version {
    public static final String VERSION = load();

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/io/cpumapd/version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
