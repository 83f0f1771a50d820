package io.cpumapd.counters;

/**
 * Counters of a consumer, one row per cpumap key: the {@code xdp_cpumap_kthread} tracepoint's
 * fields, plus exceptions and the duty cycle.
 */
public enum ConsumerCounter implements CounterDescriptor {
    PROCESSED(Info.of("processed", "packets", "Packets the consumer dequeued",
            Export.of("cpumapd.consumer.processed", "Packets the cpu's consumer dequeued"))),
    /** Not delivered for other reasons than the program's verdict: {@link #TOO_SHORT} + {@link #INJECT_DROPS}. */
    DROPS(Info.of("drops", "packets", "PASS packets not delivered: frames too short, or refused by the TAP")),
    SCHED(Info.of("sched", "calls", "Times the consumer gave its core away while idle",
            Export.of("cpumapd.consumer.sched", "Times the cpu's consumer gave its core away while idle"))),
    PASS(Info.of("pass", "packets", "Verdict PASS of the entry's program", verdict("pass"))),
    DROP(Info.of("drop", "packets", "Verdict DROP of the entry's program", verdict("drop"), drops("program"))),
    REDIRECT(Info.of("redirect", "packets", "Verdict REDIRECT of the entry's program, queued", verdict("redirect"))),
    EXCEPTIONS(Info.of("exceptions", "packets", "ABORTED, TX, a throwing program, or a redirect that found no target",
            Export.of("cpumapd.consumer.exceptions", "ABORTED, TX, a throwing program or a redirect without target"))),
    BUSY_NS(Info.of("busy_ns", "nanoseconds", "Time spent in batches that found work",
            Export.of("cpumapd.consumer.busy.seconds", "Time the cpu's consumer spent working"))),
    IDLE_NS(Info.of("idle_ns", "nanoseconds", "Time spent in polls that found no work",
            Export.of("cpumapd.consumer.idle.seconds", "Time the cpu's consumer spent idle"))),
    /** Part of {@link #DROPS}: shorter than an Ethernet header. Not a {@code stats} field (unchanged reply). */
    TOO_SHORT(Info.of(null, "packets", "PASS packets shorter than an Ethernet header", drops("too_short"))),
    /** Part of {@link #DROPS}: the TAP refused the frame (the TAP error counters have the errno). */
    INJECT_DROPS(Info.of(null, "packets", "PASS packets the TAP refused", drops("inject")));

    private final Info info;

    ConsumerCounter(Info info) {
        this.info = info;
    }

    private static Export verdict(String verdict) {
        return Export.tagged("cpumapd.consumer.verdicts", "Verdicts of the cpu's program, by verdict", "verdict",
                verdict);
    }

    private static Export drops(String reason) {
        return Export.tagged("cpumapd.consumer.drops", "Packets the cpu's consumer did not deliver, by reason",
                "reason", reason);
    }

    @Override
    public Info info() {
        return info;
    }
}
