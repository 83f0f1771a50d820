package io.cpumapd.filter;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The counters of {@code rate-limit}, by index. */
enum RateLimitCounter {
    /** Over the per-source packet rate. */
    DROPPED_RATE,
    /** Over the per-source rate of TCP SYN without ACK. */
    DROPPED_SYN_FLOOD,
    /** Over the per-source UDP rate. */
    DROPPED_UDP_FLOOD,
    /** A new source found no slot and the eviction policy is {@code drop-new}. */
    DROPPED_TABLE_FULL,
    /** A new source found no slot and went on unlimited ({@code pass-new}). */
    UNTRACKED,
    /** A tracked source forgotten for a new one while it still had state ({@code lru}). */
    EVICTIONS,
    /** A slot reused because its source had full credit again: forgetting it changes nothing. */
    RECYCLED;

    static final List<String> NAMES = Arrays.stream(values()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
}
