package io.cpumapd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.SupervisionCounter;
import io.cpumapd.cpumap.Quiescence;
import io.cpumapd.worker.HotAgent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * The stall line names the stall time as configured: 1000 ms, not MessageFormat's "1,000 ms" (a
 * grep for the configured value finds it). The watched agent is never started, so its poll count
 * stays put: a stall after the stall time, with no thread and no EAL.
 */
class SupervisorStallMessageTest {
    @Test
    void aStallTimeOfAThousandMillisecondsOrMoreIsPrintedWithoutGrouping() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        SimpleFormatter format = new SimpleFormatter();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(format.formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger("cpumapd.supervisor");
        jul.addHandler(capture);
        HotAgent idle = new HotAgent("stall-probe", 0, new Quiescence(), () -> null, () -> null, () -> null) {
            @Override
            public int doWork() {
                return 0;
            }

            @Override
            public String work() {
                return "filter probe";
            }
        };
        try (Supervisor s = new Supervisor(Duration.ofMillis(1000),
                new CounterBlock(SupervisionCounter.values().length, 1))) {
            s.watch(idle, 0);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (lines.stream().noneMatch(l -> l.contains(" stalled: ")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.isStalled(idle)).isTrue();
            assertThat(lines).contains("stall-probe stalled: no poll finished for 1000 ms (filter probe)");
        } finally {
            jul.removeHandler(capture);
        }
    }
}
