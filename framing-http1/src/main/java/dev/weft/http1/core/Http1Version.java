package dev.weft.http1.core;

/** The two HTTP/1.x versions a request may carry (RFC 9112 §2.3). */
public enum Http1Version {
    /** HTTP/1.0: not persistent unless asked, no chunked coding. */
    HTTP_1_0("HTTP/1.0"),
    /** HTTP/1.1. */
    HTTP_1_1("HTTP/1.1");

    private final String text;

    Http1Version(String text) {
        this.text = text;
    }

    /** @return the version as on the wire, e.g. {@code HTTP/1.1} */
    public String text() {
        return text;
    }
}
