package dev.weft.http1;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The Date field's value (RFC 9110 §6.6.1: an origin server with a clock sends it), formatted
 * once per second and shared: formatting a date per response costs more than the rest of a
 * small response's head.
 *
 * <p>Threading: any thread; the cached pair is one immutable record behind a volatile.
 */
final class HttpDate {
    private record Cached(long second, String text) {
    }

    /** RFC 9110 §5.6.7: two-digit day, English names, GMT (RFC_1123_DATE_TIME drops the leading zero). */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);

    private static volatile Cached cached = new Cached(-1, "");

    private HttpDate() {
    }

    /** @return now, as an IMF-fixdate */
    static String now() {
        long millis = System.currentTimeMillis();
        long second = millis / 1000;
        Cached current = cached;
        if (current.second() == second) {
            return current.text();
        }
        String text = IMF_FIXDATE.format(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(second), ZoneOffset.UTC));
        cached = new Cached(second, text);
        return text;
    }
}
