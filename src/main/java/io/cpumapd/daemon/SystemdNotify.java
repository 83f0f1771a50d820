package io.cpumapd.daemon;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@code Type=notify} support. Java has no AF_UNIX datagram socket, so this runs
 * {@code systemd-notify} (the unit sets {@code NotifyAccess=all} so systemd accepts it from a child).
 * Nothing happens outside systemd ({@code NOTIFY_SOCKET} unset).
 */
final class SystemdNotify {
    private SystemdNotify() {
    }

    static void ready() {
        send("--ready", "--status=running");
    }

    static void stopping() {
        send("STOPPING=1"); // --stopping needs systemd 253; Debian 12 has 252
    }

    private static void send(String... args) {
        if (System.getenv("NOTIFY_SOCKET") == null) {
            return;
        }
        String[] cmd = new String[args.length + 2];
        cmd[0] = "systemd-notify";
        cmd[1] = "--pid=" + ProcessHandle.current().pid();
        System.arraycopy(args, 0, cmd, 2, args.length);
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            Log.warn("systemd", "systemd-notify failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
