package dev.weft.body;

/**
 * A form went over one of its body policy's quotas. The message names the quota and its value;
 * by the time this is thrown, every temp file the request's parse created has been deleted.
 */
public final class BodyQuotaException extends FormException {
    private static final long serialVersionUID = 1L;

    private final Quota quota;
    private final long limit;

    /**
     * @param quota the quota that tripped
     * @param limit its value
     * @param what what went over it, e.g. {@code file part "upload"}
     */
    public BodyQuotaException(Quota quota, long limit, String what) {
        super(message(quota, limit, what));
        this.quota = quota;
        this.limit = limit;
    }

    private static String message(Quota quota, long limit, String what) {
        String unit = quota == Quota.MAX_PARTS ? " parts" : " bytes";
        return "request body exceeds " + quota.policyName() + " (" + limit + unit + ", set by " + quota.flag()
                + "): " + what;
    }

    /** @return the quota that tripped */
    public Quota quota() {
        return quota;
    }

    /** @return the quota's value */
    public long limit() {
        return limit;
    }

    @Override
    public int status() {
        return quota.status();
    }
}
