package dev.weft.http2;

import dev.weft.http2.core.ErrorCode;
import dev.weft.http2.core.ServerConnection;
import dev.weft.spi.Cancellable;
import dev.weft.spi.Connection;
import dev.weft.spi.MinDataRate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The minimum data rates of one connection's {@link Http2Session} (issue 17; Kestrel's
 * MinRequestBodyDataRate and MinResponseDataRate): a peer that dribbles a request body, or reads
 * a response a few octets at a time, keeps frames completing and the idle timer quiet while it
 * holds a stream and its handler thread.
 *
 * <p>Algorithm, per live exchange, on a tick of {@code min(1 s, grace / 4)} that runs while any
 * exchange is live:
 *
 * <ol>
 *   <li>A direction is <em>blamed</em> on the peer for the tick if, at the tick, the peer is the
 *       one holding it up: the request body is open and the peer has window to send
 *       ({@link ServerConnection#peerMaySend}); a piece of the response waits to be sent
 *       ({@code pending}, waiting on the peer's window or socket).
 *   <li>Blamed ticks add up; once they reach {@code grace}, the octets that direction moved since
 *       the last check must be at least {@code rate × grace}. If so, a new stretch starts;
 *       if not, the stream is reset with ENHANCE_YOUR_CALM and its handler interrupted, or, for
 *       a response whose connection's socket is not even writable, the whole connection goes
 *       (GOAWAY ENHANCE_YOUR_CALM): the peer reads nothing on any stream.
 * </ol>
 *
 * <p>A nominal tick is counted even if the loop ran late, so a loaded server only forgives more.
 *
 * <p>Threading: owned by the connection's event loop, like the session.
 */
final class DataRateWatch {
    private static final Logger LOG = LoggerFactory.getLogger(DataRateWatch.class);
    private static final Duration MAX_TICK = Duration.ofSeconds(1);

    private final Http2Session session;
    private final Connection connection;
    private final ServerConnection core;
    private final Map<Integer, StreamExchange> exchanges;
    private final MinDataRate rate;
    private final Duration tick;
    /** Loop: the counters of the exchanges seen at a tick, by stream id. */
    private final Map<Integer, Meter> meters = new HashMap<>();
    /** Loop: the next tick, or null when no exchange is live. */
    private Cancellable timer;

    /** One exchange's stretches of blamed time and the octets counted at their start. */
    private static final class Meter {
        long requestBlamedNanos;
        long requestMark;
        long responseBlamedNanos;
        long responseMark;
    }

    DataRateWatch(Http2Session session, Connection connection, ServerConnection core,
                  Map<Integer, StreamExchange> exchanges, MinDataRate rate) {
        this.session = session;
        this.connection = connection;
        this.core = core;
        this.exchanges = exchanges;
        this.rate = rate;
        Duration quarter = rate.grace().dividedBy(4);
        this.tick = quarter.compareTo(MAX_TICK) < 0 ? quarter : MAX_TICK;
    }

    /** An exchange started: make sure the tick runs. */
    void exchangeStarted() {
        if (rate.isOn() && timer == null && !session.isClosing()) {
            timer = connection.eventLoop().schedule(() -> session.guarded(this::check), tick);
        }
    }

    private void check() {
        timer = null;
        if (session.isClosing()) {
            return;
        }
        meters.keySet().retainAll(exchanges.keySet());
        long graceNanos = rate.grace().toNanos();
        for (StreamExchange exchange : new ArrayList<>(exchanges.values())) {
            int id = exchange.streamId;
            Meter meter = meters.computeIfAbsent(id, ignored -> new Meter());
            if (rate.requestBytesPerSecond() > 0 && exchange.body != null && core.peerMaySend(id)) {
                meter.requestBlamedNanos += tick.toNanos();
                if (meter.requestBlamedNanos >= graceNanos) {
                    long received = core.dataReceived(id);
                    if (received - meter.requestMark < minimumOver(rate.requestBytesPerSecond())) {
                        tooSlow(exchange, "request body", received - meter.requestMark, rate.requestBytesPerSecond());
                        continue;
                    }
                    meter.requestBlamedNanos = 0;
                    meter.requestMark = received;
                }
            }
            if (rate.responseBytesPerSecond() > 0 && exchange.pending != null) {
                meter.responseBlamedNanos += tick.toNanos();
                if (meter.responseBlamedNanos >= graceNanos) {
                    long sent = core.dataSent(id);
                    if (sent - meter.responseMark < minimumOver(rate.responseBytesPerSecond())) {
                        if (!connection.isWritable()) {
                            LOG.info("h2 connection {} from {}: the peer reads responses slower than {} B/s over {}, closing",
                                    connection.id(), connection.remoteAddress(), rate.responseBytesPerSecond(), rate.grace());
                            session.abandon(ErrorCode.ENHANCE_YOUR_CALM, "responses read slower than the minimum data rate");
                            return;
                        }
                        tooSlow(exchange, "response", sent - meter.responseMark, rate.responseBytesPerSecond());
                        continue;
                    }
                    meter.responseBlamedNanos = 0;
                    meter.responseMark = sent;
                }
            }
        }
        if (!exchanges.isEmpty()) {
            timer = connection.eventLoop().schedule(() -> session.guarded(this::check), tick);
        }
    }

    private long minimumOver(long bytesPerSecond) {
        return bytesPerSecond * rate.grace().toMillis() / 1000;
    }

    private void tooSlow(StreamExchange exchange, String direction, long moved, long bytesPerSecond) {
        String reason = direction + " slower than " + bytesPerSecond + " B/s (" + moved + " octets in " + rate.grace() + ")";
        LOG.info("h2 connection {} from {}: stream {}: {}, resetting", connection.id(), connection.remoteAddress(),
                exchange.streamId, reason);
        meters.remove(exchange.streamId);
        session.resetExchange(exchange, ErrorCode.ENHANCE_YOUR_CALM, reason);
    }

    /** The connection closed: no tick may run any more. */
    void cancel() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }
}
