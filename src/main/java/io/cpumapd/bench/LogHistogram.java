package io.cpumapd.bench;

/**
 * A fixed-bucket logarithmic histogram of nanosecond values, preallocated: {@link #record} is a
 * few shifts and one array increment, never an allocation. 32 linear sub-buckets per power of two
 * (about 3 % resolution); values from 0 to 2^40 ns, larger ones land in the last bucket.
 *
 * <p>Why not HdrHistogram (it is in Maven Central): the C reference fills the very same bucket
 * array ({@code cpm_bench_hist_index} in {@code bench_pipeline.c}), so both sides must share a layout
 * simple enough to write twice. Single writer; read it after the writer stopped.
 */
public final class LogHistogram {
    public static final int SUB_BITS = 5;
    public static final int SUB_BUCKETS = 1 << SUB_BITS;
    public static final int MAX_EXPONENT = 40;
    public static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    public static int index(long valueNs) {
        if (valueNs < SUB_BUCKETS) {
            return valueNs < 0 ? 0 : (int) valueNs;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(valueNs);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int mantissa = (int) (valueNs >>> (exponent - SUB_BITS)); // SUB_BUCKETS..2*SUB_BUCKETS-1
        return (exponent - SUB_BITS + 1) * SUB_BUCKETS + mantissa - SUB_BUCKETS;
    }

    /** Smallest value of bucket {@code index}. */
    public static long lowerBound(int index) {
        if (index < 2 * SUB_BUCKETS) {
            return index;
        }
        int exponent = index / SUB_BUCKETS + SUB_BITS - 1;
        long mantissa = SUB_BUCKETS + index % SUB_BUCKETS;
        return mantissa << (exponent - SUB_BITS);
    }

    public void record(long valueNs) {
        counts[index(valueNs)]++;
        total++;
        if (valueNs > max) {
            max = valueNs;
        }
    }

    /** Adds raw bucket counts (the C side's array) and their max. */
    public void add(long[] bucketCounts, long maxNs) {
        for (int i = 0; i < BUCKETS && i < bucketCounts.length; i++) {
            counts[i] += bucketCounts[i];
            total += bucketCounts[i];
        }
        max = Math.max(max, maxNs);
    }

    public void add(LogHistogram other) {
        add(other.counts, other.max);
    }

    public long count() {
        return total;
    }

    public long max() {
        return max;
    }

    /** The value below which {@code percentile} % of the records are (the upper edge of that bucket). */
    public long percentile(double percentile) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= Math.max(rank, 1)) {
                long upper = i + 1 < BUCKETS ? lowerBound(i + 1) - 1 : max;
                return Math.min(upper, max);
            }
        }
        return max;
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        max = 0;
    }
}
