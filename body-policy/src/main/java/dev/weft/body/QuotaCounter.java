package dev.weft.body;

import dev.weft.api.BodyPolicy;

/**
 * What one request's parse has used of its policy's quotas. Checks come before the bytes are
 * kept, so nothing is ever held beyond a quota.
 *
 * <p>Threading: owned by the one thread parsing the request; {@link #release()} may come from
 * the thread ending the exchange, hence the lock (uncontended).
 */
final class QuotaCounter {
    private final BodyPolicy policy;
    private long ramUsed;
    private long diskUsed;
    private long parts;
    /** Whether {@link #release()} gave this request's bytes back to {@link BodyUsage}. */
    private boolean released;

    QuotaCounter(BodyPolicy policy) {
        this.policy = policy;
    }

    BodyPolicy policy() {
        return policy;
    }

    /** Counts one more part (or field); throws when it is one too many. */
    void countPart(String what) throws BodyQuotaException {
        if (parts + 1 > policy.maxParts()) {
            throw new BodyQuotaException(Quota.MAX_PARTS, policy.maxParts(), what);
        }
        parts++;
    }

    /** Reserves {@code bytes} of memory; throws instead when they would go over {@code maxRam}. */
    synchronized void addRam(long bytes, String what) throws BodyQuotaException {
        if (bytes > policy.maxRam() - ramUsed) {
            throw new BodyQuotaException(Quota.MAX_RAM, policy.maxRam(), what);
        }
        ramUsed += bytes;
        if (!released) {
            BodyUsage.addRam(bytes);
        }
    }

    /** Reserves {@code bytes} of disk; throws instead when they would go over {@code maxDisk}. */
    synchronized void addDisk(long bytes, String what) throws BodyQuotaException {
        if (bytes > policy.maxDisk() - diskUsed) {
            throw new BodyQuotaException(Quota.MAX_DISK, policy.maxDisk(), what);
        }
        diskUsed += bytes;
        if (!released) {
            BodyUsage.addDisk(bytes);
        }
    }

    /** The exchange ended (its values and files are gone): gives its bytes back to {@link BodyUsage}; idempotent. */
    synchronized void release() {
        if (!released) {
            released = true;
            BodyUsage.addRam(-ramUsed);
            BodyUsage.addDisk(-diskUsed);
        }
    }

    long ramUsed() {
        return ramUsed;
    }

    long diskUsed() {
        return diskUsed;
    }

    long parts() {
        return parts;
    }
}
