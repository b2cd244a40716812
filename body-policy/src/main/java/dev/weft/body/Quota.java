package dev.weft.body;

/**
 * The quotas of a {@link dev.weft.api.BodyPolicy}, each with the name operators know it by and
 * the status that going over it answers.
 */
public enum Quota {
    /** Bytes of values held in memory per request. */
    MAX_RAM("maxRam", "--max-ram", 413),
    /** Bytes of files saved to disk per request. */
    MAX_DISK("maxDisk", "--max-disk", 413),
    /** Bytes of one part's header section: 431, as for oversized request headers. */
    MAX_HEADER("maxHeader", "--max-header", 431),
    /** Parts per request (CVE-2023-24998). */
    MAX_PARTS("maxParts", "--max-parts", 413),
    /**
     * Raw bytes of a multipart body: {@code maxRam + maxDisk} plus an allowance per part for
     * boundaries and headers. It stops bytes that no other quota counts (an endless preamble,
     * parts without a name that the parser skips).
     */
    MAX_BODY("maxBody", "--max-ram + --max-disk", 413);

    private final String policyName;
    private final String flag;
    private final int status;

    Quota(String policyName, String flag, int status) {
        this.policyName = policyName;
        this.flag = flag;
        this.status = status;
    }

    /** @return the quota's name in {@link dev.weft.api.BodyPolicy}, e.g. {@code maxRam} */
    public String policyName() {
        return policyName;
    }

    /** @return the server flag that sets it, e.g. {@code --max-ram} */
    public String flag() {
        return flag;
    }

    /** @return the HTTP status for going over it: 413, or 431 for part headers */
    public int status() {
        return status;
    }
}
