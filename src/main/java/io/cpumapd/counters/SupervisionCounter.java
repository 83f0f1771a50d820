package io.cpumapd.counters;

/**
 * What the supervisor saw of the hot threads: one row per RX worker, then one per cpumap key (its
 * consumers, one after another), labelled {@code thread}; written by the supervisor thread only.
 */
public enum SupervisionCounter implements CounterDescriptor {
    RESTARTS(Info.of("restarts", "restarts", "Times the thread ended on its own and was restarted",
            Export.of("cpumapd.hot.thread.restarts", "Hot threads that ended on their own and were restarted"))),
    STALLS(Info.of("stalls", "stalls", "Times the thread finished no poll for the stall time (a filter or program"
            + " that loops or blocks)",
            Export.of("cpumapd.hot.thread.stalls", "Times a hot thread finished no poll within the stall time"))),
    STALLED(Info.of("stalled", "state", "1 while the thread is stalled now, else 0 (a gauge kept as a counter"
            + " that goes back to 0)", Export.of("cpumapd.hot.thread.stalled", "1 while the hot thread is stalled")));

    private final Info info;

    SupervisionCounter(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
