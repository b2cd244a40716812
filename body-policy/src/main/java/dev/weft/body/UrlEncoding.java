package dev.weft.body;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code application/x-www-form-urlencoded} (WHATWG URL standard, "application/x-www-form-urlencoded
 * parsing") for query strings and bodies, plus {@code cookie} header parsing (RFC 6265 §5.4).
 *
 * <p>Threading: stateless.
 */
final class UrlEncoding {
    private UrlEncoding() {
    }

    /**
     * Splits {@code a=1&b=two} into fields; {@code +} is a space, {@code %XX} a byte, names are
     * UTF-8. Every field counts as a part.
     *
     * @param countValues whether decoded values count against {@code maxRam}: not for a body,
     *     whose raw bytes (never fewer than the decoded ones) were counted as they were read
     */
    static List<FormField> parse(byte[] encoded, Source source, QuotaCounter quota, boolean countValues)
            throws FormException {
        List<FormField> fields = new ArrayList<>();
        int start = 0;
        while (start <= encoded.length) {
            int end = indexOf(encoded, (byte) '&', start);
            if (end > start) {
                int equals = indexOf(encoded, (byte) '=', start, end);
                int nameEnd = equals < 0 ? end : equals;
                String what = source.name().toLowerCase(java.util.Locale.ROOT) + " field #" + (fields.size() + 1);
                quota.countPart(what);
                String name = utf8(percentDecode(encoded, start, nameEnd, what), what + " name");
                byte[] value = equals < 0 ? new byte[0] : percentDecode(encoded, equals + 1, end, name);
                if (countValues) {
                    quota.addRam(value.length, source.name().toLowerCase(java.util.Locale.ROOT) + " field \"" + name + "\"");
                }
                fields.add(new FormField(source, name, new Input.InMemory(value, null, null)));
            }
            start = end + 1;
        }
        return fields;
    }

    /** Parses every {@code cookie} field value ({@code a=1; b="two"}) into fields, in order. */
    static List<FormField> parseCookies(List<String> cookieHeaders) {
        List<FormField> fields = new ArrayList<>();
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                int equals = pair.indexOf('=');
                if (equals <= 0) {
                    continue; // RFC 6265 §5.2: a cookie pair without a name is ignored
                }
                String name = pair.substring(0, equals).strip();
                String value = pair.substring(equals + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (!name.isEmpty()) {
                    fields.add(new FormField(Source.COOKIE, name, Input.InMemory.text(value)));
                }
            }
        }
        return fields;
    }

    private static byte[] percentDecode(byte[] encoded, int from, int to, String what) throws MalformedFormException {
        ByteArrayOutputStream decoded = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = encoded[i];
            if (b == '+') {
                decoded.write(' ');
            } else if (b == '%') {
                int high = i + 2 < to ? Character.digit(encoded[i + 1], 16) : -1;
                int low = i + 2 < to ? Character.digit(encoded[i + 2], 16) : -1;
                if (high < 0 || low < 0) {
                    throw new MalformedFormException(400, "malformed percent-encoding in " + describe(what));
                }
                decoded.write(high << 4 | low);
                i += 2;
            } else {
                decoded.write(b);
            }
        }
        return decoded.toByteArray();
    }

    private static String describe(String what) {
        return what.contains("#") ? what : "field \"" + what + "\"";
    }

    private static String utf8(byte[] bytes, String what) throws MalformedFormException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFormException(400, what + " is not valid UTF-8");
        }
    }

    /** @return the index of the next {@code wanted} byte from {@code from}, or the length if none */
    private static int indexOf(byte[] bytes, byte wanted, int from) {
        int found = indexOf(bytes, wanted, from, bytes.length);
        return found < 0 ? bytes.length : found;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
