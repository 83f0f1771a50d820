package io.cpumapd.cpumap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class QuiescenceTest {
    @Test
    @Timeout(10)
    void aGracePeriodWaitsForAParticipantThatHasNotPassedAQuiescentPoint() throws Exception {
        Quiescence q = new Quiescence();
        Quiescence.Participant p = q.register("rx");
        p.quiescent(); // a point before the grace period starts does not count

        CompletableFuture<Void> grace = CompletableFuture.runAsync(q::synchronize);
        Thread.sleep(200);
        assertThat(grace).as("no quiescent point since synchronize began").isNotDone();

        p.quiescent();
        grace.get(5, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(10)
    void offlineParticipantsAndLaterOnesDoNotHoldAGracePeriod() throws Exception {
        Quiescence q = new Quiescence();
        Quiescence.Participant gone = q.register("gone");
        CompletableFuture<Void> grace = CompletableFuture.runAsync(q::synchronize);
        Thread.sleep(100);
        assertThat(grace).isNotDone();
        gone.offline();
        grace.get(5, TimeUnit.SECONDS);

        q.register("idle-but-new").offline();
        q.synchronize(); // nobody online: returns at once
    }

    /**
     * The property the cpumap relies on: once synchronize returns, a participant that keeps polling
     * sees the unlink, and no poll that started before the unlink is still using the old value.
     */
    @Test
    @Timeout(30)
    void afterAGracePeriodNoParticipantStillUsesTheUnlinkedValue() throws Exception {
        Quiescence q = new Quiescence();
        AtomicReference<Object> slot = new AtomicReference<>(new Object());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Object> inUse = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            Quiescence.Participant p = q.register("reader");
            while (!stop.get()) {
                Object o = slot.get(); // a poll: take the entry, use it, pass a quiescent point
                inUse.setPlain(o);
                Thread.onSpinWait();
                inUse.setRelease(null);
                p.quiescent();
            }
            p.offline();
        });
        reader.start();
        try {
            for (int i = 0; i < 2000; i++) {
                Object old = slot.get();
                slot.set(new Object()); // unlink
                q.synchronize();
                assertThat(inUse.getAcquire()).as("grace period %d", i).isNotSameAs(old);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
    }
}
