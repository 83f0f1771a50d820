package io.cpumapd.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Medians over rounds per implementation, and the Java/C ratio, as text and as a JSON-ready map. */
public final class BenchSummary {
    private BenchSummary() {
    }

    public static double median(List<RoundResult> rounds, String impl, ToDoubleFunction<RoundResult> f) {
        List<Double> v = new ArrayList<>();
        for (RoundResult r : rounds) {
            if (r.impl().equals(impl)) {
                v.add(f.applyAsDouble(r));
            }
        }
        return median(v);
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    public static Map<String, Object> summary(List<RoundResult> rounds, List<String> impls) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (String impl : impls) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rxMpps", median(rounds, impl, RoundResult::rxPps) / 1e6);
            m.put("enqueueMpps", median(rounds, impl, RoundResult::enqueuePps) / 1e6);
            m.put("consumerMpps", median(rounds, impl, RoundResult::consumerPps) / 1e6);
            m.put("errDropMpps", median(rounds, impl, RoundResult::errDropPps) / 1e6);
            m.put("rxPerCpuMpps", median(rounds, impl, RoundResult::rxPerCpuPps) / 1e6);
            m.put("rxCpuShare", median(rounds, impl, RoundResult::rxCpuShare));
            m.put("enqueueSuccess", median(rounds, impl, RoundResult::enqueueSuccess));
            if (impl.equals("java")) {
                m.put("rxBytesPerPacket", median(rounds, impl, RoundResult::rxBytesPerPacket));
                m.put("consumerBytesPerPacket", median(rounds, impl, RoundResult::consumerBytesPerPacket));
                m.put("gcCount", rounds.stream().filter(r -> r.impl().equals(impl)).mapToLong(RoundResult::gcCount)
                        .sum());
            }
            s.put(impl, m);
        }
        if (impls.contains("java") && impls.contains("c")) {
            Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("rx", ratio(rounds, RoundResult::rxPps));
            ratio.put("rxPerCpu", ratio(rounds, RoundResult::rxPerCpuPps));
            ratio.put("enqueue", ratio(rounds, RoundResult::enqueuePps));
            ratio.put("consumer", ratio(rounds, RoundResult::consumerPps));
            ratio.put("rxPerCpuPerRound", medianOfRoundRatios(rounds, RoundResult::rxPerCpuPps));
            s.put("javaOverC", ratio);
        }
        return s;
    }

    static double ratio(List<RoundResult> rounds, ToDoubleFunction<RoundResult> f) {
        return median(rounds, "java", f) / median(rounds, "c", f);
    }

    /**
     * The median over rounds of java/c of {@code f}, pairing each java round with the c round of the same
     * number (they run back to back, so both saw about the same machine); NaN without a pair.
     */
    public static double medianOfRoundRatios(List<RoundResult> rounds, ToDoubleFunction<RoundResult> f) {
        List<Double> ratios = new ArrayList<>();
        for (RoundResult j : rounds) {
            if (!j.impl().equals("java") || f.applyAsDouble(j) <= 0) {
                continue;
            }
            for (RoundResult c : rounds) {
                if (c.impl().equals("c") && c.round() == j.round() && f.applyAsDouble(c) > 0) {
                    ratios.add(f.applyAsDouble(j) / f.applyAsDouble(c));
                }
            }
        }
        return median(ratios);
    }

    public static void print(PrintWriter out, List<RoundResult> rounds, List<String> impls) {
        out.printf(Locale.ROOT, "%nround  impl   %10s %10s %10s %12s %10s %10s %8s %8s %7s %13s %7s%n", "rx Mpps",
                "enq Mpps", "cons Mpps", "errdrop Mpps", "B/pkt rx", "B/pkt cons", "GCs", "leaked", "rx CPU",
                "rx Mpps/CPU", "enq ok");
        for (RoundResult r : rounds) {
            out.printf(Locale.ROOT, "%5d  %-5s  %10.3f %10.3f %10.3f %12.3f %10s %10s %8s %8d %6.0f%% %13.3f %6.1f%%%n",
                    r.round(), r.impl(), r.rxPps() / 1e6, r.enqueuePps() / 1e6, r.consumerPps() / 1e6,
                    r.errDropPps() / 1e6, bytes(r.rxBytesPerPacket()), bytes(r.consumerBytesPerPacket()),
                    r.gcCount() < 0 ? "-" : Long.toString(r.gcCount()), r.leakedMbufs(), 100 * r.rxCpuShare(),
                    r.rxPerCpuPps() / 1e6, 100 * r.enqueueSuccess());
            if (r.latency() != null) {
                RoundResult.Latency l = r.latency();
                out.printf(Locale.ROOT, "       latency at %,d pps offered: %,d samples  p50 %.1f us  p99 %.1f us"
                                + "  p99.9 %.1f us  max %.1f us%n", l.offeredPps(), l.samples(), l.p50Ns() / 1e3,
                        l.p99Ns() / 1e3, l.p999Ns() / 1e3, l.maxNs() / 1e3);
            }
        }
        out.printf(Locale.ROOT, "%nmedian over rounds:%n");
        for (String impl : impls) {
            out.printf(Locale.ROOT, "  %-5s rx %8.3f Mpps   enqueue %8.3f Mpps   consumer %8.3f Mpps   rx per CPU-second"
                            + " %8.3f Mpps   enqueue success %5.1f %%%n", impl, median(rounds, impl, RoundResult::rxPps) / 1e6,
                    median(rounds, impl, RoundResult::enqueuePps) / 1e6,
                    median(rounds, impl, RoundResult::consumerPps) / 1e6,
                    median(rounds, impl, RoundResult::rxPerCpuPps) / 1e6,
                    100 * median(rounds, impl, RoundResult::enqueueSuccess));
        }
        if (impls.contains("java") && impls.contains("c")) {
            out.printf(Locale.ROOT, "  java/C rx %6.1f %%   enqueue %6.1f %%   consumer %6.1f %%   rx per CPU-second"
                            + " %6.1f %%%n", 100 * ratio(rounds, RoundResult::rxPps),
                    100 * ratio(rounds, RoundResult::enqueuePps), 100 * ratio(rounds, RoundResult::consumerPps),
                    100 * ratio(rounds, RoundResult::rxPerCpuPps));
            out.printf(Locale.ROOT, "  java/C rx per CPU-second, median of the per-round ratios: %6.1f %%%n",
                    100 * medianOfRoundRatios(rounds, RoundResult::rxPerCpuPps));
        }
        out.flush();
    }

    private static String bytes(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
