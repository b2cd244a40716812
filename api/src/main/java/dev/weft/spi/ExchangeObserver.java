package dev.weft.spi;

import java.util.List;
import java.util.Objects;

/**
 * Told about every exchange a protocol serves and every defence it trips: the hook behind the
 * server's access log and metrics. Protocols call it from their own threads (handler threads
 * and event loops), so an implementation must be thread-safe and quick: it runs inline on the
 * request path.
 *
 * <p>Cheap when nobody listens: a protocol checks {@code observer == NONE} (see
 * {@link #isListening()}) before it builds a {@link CompletedExchange} or counts bytes.
 */
public interface ExchangeObserver {
    /** Listens to nothing; protocols skip all bookkeeping for it. */
    ExchangeObserver NONE = new ExchangeObserver() {
        @Override
        public void exchangeCompleted(CompletedExchange exchange) {
        }

        @Override
        public String toString() {
            return "ExchangeObserver.NONE";
        }
    };

    /** A handler is about to be called for a new exchange (an HTTP/2 stream, an HTTP/1.1 request, a wireproto command). */
    default void exchangeStarted(String protocol) {
    }

    /** The exchange is over (answered, failed or reset); called once per {@link #exchangeStarted}. */
    void exchangeCompleted(CompletedExchange exchange);

    /** A limit against hostile peers was hit; see {@link Defence}. */
    default void defenceTripped(String protocol, Defence defence) {
    }

    /** @return whether this observer wants calls at all (false only for {@link #NONE}) */
    default boolean isListening() {
        return this != NONE;
    }

    /** @return one observer telling each of {@code observers} in turn ({@link #NONE} for none) */
    static ExchangeObserver all(List<ExchangeObserver> observers) {
        List<ExchangeObserver> listening = observers.stream().filter(Objects::nonNull).filter(ExchangeObserver::isListening).toList();
        if (listening.isEmpty()) {
            return NONE;
        }
        if (listening.size() == 1) {
            return listening.getFirst();
        }
        return new ExchangeObserver() {
            @Override
            public void exchangeStarted(String protocol) {
                for (ExchangeObserver observer : listening) {
                    observer.exchangeStarted(protocol);
                }
            }

            @Override
            public void exchangeCompleted(CompletedExchange exchange) {
                for (ExchangeObserver observer : listening) {
                    observer.exchangeCompleted(exchange);
                }
            }

            @Override
            public void defenceTripped(String protocol, Defence defence) {
                for (ExchangeObserver observer : listening) {
                    observer.defenceTripped(protocol, defence);
                }
            }
        };
    }

    /** The limits a protocol reports when they trip (answers produced by handlers, such as 413, are seen in the status). */
    enum Defence {
        /** A stream over the concurrent-stream cap was refused (HTTP/2 REFUSED_STREAM). */
        STREAM_REFUSED,
        /** Request headers over the header list cap got 431 without reaching a handler. */
        HEADERS_TOO_LARGE,
        /** A connection was closed for flooding (HTTP/2 GOAWAY ENHANCE_YOUR_CALM: resets, CONTINUATION, PING, empty frames, slow frames). */
        FLOOD_CLOSED,
        /**
         * A stream or connection was reset for moving data slower than the minimum data rate
         * (HTTP/1.1: also a request head not complete within its timeout, slowloris).
         */
        SLOW_DATA_RATE
    }
}
