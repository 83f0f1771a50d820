package io.cpumapd.pipeline;

import io.cpumapd.counters.CounterBlock;
import io.cpumapd.counters.CounterGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The counter blocks one hot thread registered, to fold into the totals together when the thread
 * is gone. Registration happens on the thread as it builds its parts, retirement on the reaper.
 */
final class Retirements {
    private final List<Runnable> retire = new ArrayList<>();
    private boolean retired;

    synchronized CounterBlock register(CounterGroup<?> group, CounterBlock block, int firstRow) {
        group.register(block, firstRow);
        if (retired) { // a part built after the thread's end: fold it in at once
            group.retire(block);
        } else {
            retire.add(() -> group.retire(block));
        }
        return block;
    }

    synchronized void retire() {
        retired = true;
        retire.forEach(Runnable::run);
        retire.clear();
    }
}
