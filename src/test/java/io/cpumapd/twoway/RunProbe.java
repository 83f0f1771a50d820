package io.cpumapd.twoway;

import io.cpumapd.testkit.Cmd;
import io.cpumapd.testkit.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the CPUs went during one benchmark run, and the client's TCP state: {@link #start} before
 * the run, {@link #midRun} half-way (the client's {@code ss -ti} of its busiest connection),
 * {@link #stop} after. CPU figures are shares of one CPU over the window, from /proc/stat (each
 * CPU: user, system, softirq, idle) and /proc/PID/task/TID/stat of the daemon's threads and of
 * every process in the namespaces given (iperf3's client and server), so they cover the whole
 * machine: what is not ours in the per-CPU figures is the other users'.
 */
final class RunProbe {
    private static final Pattern RTT = Pattern.compile(" rtt:([0-9.]+)/([0-9.]+)");
    private static final Pattern CWND = Pattern.compile(" cwnd:(\\d+)");
    private static final Pattern RETRANS = Pattern.compile(" retrans:\\d+/(\\d+)");
    private static final Pattern SENT = Pattern.compile(" bytes_sent:(\\d+)");
    private static final Pattern MINRTT = Pattern.compile(" minrtt:([0-9.]+)");
    private static final long HZ = 100; // USER_HZ on Linux/x86

    private final long daemonPid;
    private final List<NetNamespace> namespaces;
    private long[][] cpu0;
    private Map<String, long[]> threads0;
    private long wall0;
    private volatile String tcp = "";
    private volatile String result = "(no sample)";

    RunProbe(long daemonPid, List<NetNamespace> namespaces) {
        this.daemonPid = daemonPid;
        this.namespaces = namespaces;
    }

    void start() {
        threads0 = threads();
        cpu0 = cpus();
        wall0 = System.nanoTime();
    }

    /** The client's busiest TCP connection: smoothed RTT / variance, min RTT (ms), cwnd, retransmits so far. */
    void midRun(NetNamespace client) {
        String out = Cmd.run("ip", "netns", "exec", client.name(), "ss", "-tin", "state", "established").output();
        long best = -1;
        tcp = "no connection with bytes_sent in: " + out.replace('\n', ' ').strip();
        for (String line : out.split("\n")) {
            Matcher s = SENT.matcher(line);
            if (s.find() && Long.parseLong(s.group(1)) > best) {
                best = Long.parseLong(s.group(1));
                tcp = String.format("rtt %s/%s ms, minrtt %s ms, cwnd %s, retrans %s", group(RTT, line, 1),
                        group(RTT, line, 2), group(MINRTT, line, 1), group(CWND, line, 1), group(RETRANS, line, 1));
            }
        }
    }

    private static String group(Pattern p, String s, int g) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(g) : "?";
    }

    /** One line: per CPU busy (user/sys/softirq), the daemon's threads and the namespaces' processes, the client's TCP. */
    void stop() {
        long[][] cpu1 = cpus();
        double wall = (System.nanoTime() - wall0) / 1e9;
        Map<String, long[]> threads1 = threads();
        StringBuilder b = new StringBuilder();
        for (int c = 1; c < cpu1.length; c++) {
            long[] d = new long[cpu1[c].length];
            for (int i = 0; i < d.length; i++) {
                d[i] = cpu1[c][i] - cpu0[c][i];
            }
            b.append(String.format("cpu%d usr %.0f sys %.0f si %.0f idle %.0f %%; ", c - 1, pct(d[0] + d[1], wall),
                    pct(d[2], wall), pct(d[6], wall), pct(d[3], wall)));
        }
        Map<String, Double> by = new LinkedHashMap<>();
        for (var e : threads1.entrySet()) {
            long[] before = threads0.get(e.getKey());
            long ticks = e.getValue()[0] - (before == null ? 0 : before[0]);
            String name = e.getKey().substring(e.getKey().indexOf(' ') + 1);
            by.merge(name, pct(ticks, wall), Double::sum);
        }
        by.entrySet().stream().filter(e -> e.getValue() >= 1).sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                .forEach(e -> b.append(String.format("%s %.0f, ", e.getKey(), e.getValue())));
        b.append("% of a CPU");
        result = b.toString();
    }

    /** What {@link #stop} found. */
    String result() {
        return result + "; client TCP: " + tcp;
    }

    private static double pct(long ticks, double wall) {
        return ticks * 100.0 / HZ / wall;
    }

    /** /proc/stat's cpu lines (aggregate first), each user nice system idle iowait irq softirq steal. */
    private static long[][] cpus() {
        try {
            List<long[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (!line.startsWith("cpu")) {
                    break;
                }
                String[] f = line.trim().split("\\s+");
                long[] v = new long[8];
                for (int i = 0; i < 8; i++) {
                    v[i] = Long.parseLong(f[i + 1]);
                }
                rows.add(v);
            }
            return rows.toArray(long[][]::new);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** "TID name" → {utime + stime}: the daemon's threads, and the processes (all threads) in the namespaces. */
    private Map<String, long[]> threads() {
        Map<String, long[]> m = new LinkedHashMap<>();
        addTasks(daemonPid, "", m);
        Map<String, String> inodes = new LinkedHashMap<>(); // "net:[inode]" of each namespace → its short name
        for (NetNamespace ns : namespaces) {
            try {
                Object ino = Files.getAttribute(Path.of("/run/netns/" + ns.name()), "unix:ino");
                inodes.put("net:[" + ino + "]", ns.name().substring(0, ns.name().indexOf('-')) + ":");
            } catch (IOException | RuntimeException e) {
                // gone
            }
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String pid = proc.getFileName().toString();
                if (!Character.isDigit(pid.charAt(0)) || Long.parseLong(pid) == daemonPid) {
                    continue;
                }
                try {
                    String prefix = inodes.get(Files.readSymbolicLink(proc.resolve("ns/net")).toString());
                    if (prefix != null) {
                        addTasks(Long.parseLong(pid), prefix, m);
                    }
                } catch (IOException | RuntimeException e) {
                    // ended, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return m;
    }

    private static void addTasks(long pid, String prefix, Map<String, long[]> m) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String s = Files.readString(t.resolve("stat"));
                    int close = s.lastIndexOf(')');
                    String comm = s.substring(s.indexOf('(') + 1, close);
                    String[] f = s.substring(close + 2).split(" ");
                    // after ") ": state(0) ... utime is field 14 of stat, index 11 here; stime 12
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    String name = comm.startsWith("C1 ") || comm.startsWith("C2 ") || comm.startsWith("G1 ")
                            || comm.startsWith("GC ") ? "jvm-other" : comm;
                    m.put(t.getFileName() + " " + prefix + name, new long[] {ticks});
                } catch (IOException | RuntimeException e) {
                    // a thread that ended between the listing and the read
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}

