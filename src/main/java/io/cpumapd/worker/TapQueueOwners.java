package io.cpumapd.worker;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who reads each queue of one TAP right now. A hot thread claims its own queue when it starts (if
 * it has a TX queue on the TAP's port to send what it reads) and gives it back when it ends; a
 * queue nobody holds is an orphan, read by the pipeline's first RX worker, so that no queue is ever
 * left unread: not before a consumer starts, not while an entry is replaced, not after it is
 * deleted. A successor that claims before its predecessor gave back simply wins: the
 * predecessor's give-back is a compare-and-set on its own token.
 */
public final class TapQueueOwners {
    private static final AtomicInteger TOKENS = new AtomicInteger();

    private final AtomicIntegerArray owners;

    public TapQueueOwners(int queues) {
        owners = new AtomicIntegerArray(queues);
    }

    /** A token no other reader has. */
    public static int newToken() {
        return TOKENS.incrementAndGet();
    }

    public int queues() {
        return owners.length();
    }

    public void claim(int queue, int token) {
        owners.set(queue, token);
    }

    public void release(int queue, int token) {
        owners.compareAndSet(queue, token, 0);
    }

    /** One volatile load: hot threads ask once per poll. */
    public boolean owns(int queue, int token) {
        return owners.get(queue) == token;
    }

    public boolean orphan(int queue) {
        return owners.get(queue) == 0;
    }
}
