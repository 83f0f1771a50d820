package io.cpumapd.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpumapd.bench.L4HashTwin;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The filters' named test frames, and every truncation of them, through both l4-hash twins. */
class L4HashTwinFramesTest {
    private final L4HashTwin twin = new L4HashTwin();

    @AfterAll
    static void close() {
        L4HashTwin.close();
    }

    @Test
    void everyNamedFrameAndTruncationGetsTheSameFieldsAndTarget() throws Throwable {
        for (Map.Entry<String, byte[]> e : TestFrames.all().entrySet()) {
            byte[] f = e.getValue();
            for (int len = 0; len <= f.length; len++) {
                twin.compare(e.getKey() + " cut at " + len, Arrays.copyOf(f, len));
            }
        }
        assertThat(twin.compared()).isGreaterThan(TestFrames.all().size() * 14);
    }
}
