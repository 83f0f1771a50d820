package io.cpumapd.worker;

/** Counters of a consumer: the {@code xdp_cpumap_kthread} tracepoint's fields, plus exceptions. */
public enum ConsumerCounter {
    PROCESSED("processed"),
    /** Not delivered for other reasons than the program's verdict: frames too short, injection errors. */
    DROPS("drops"),
    SCHED("sched"),
    PASS("pass"),
    DROP("drop"),
    REDIRECT("redirect"),
    /** ABORTED, TX, a throwing program, or a redirect that found no target. */
    EXCEPTIONS("exceptions"),
    /** Time spent in batches that found work, and in polls that found none (duty cycle). */
    BUSY_NS("busy_ns"),
    IDLE_NS("idle_ns");

    public static final ConsumerCounter[] ALL = values();
    private final String label;

    ConsumerCounter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
