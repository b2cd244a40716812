package dev.weft.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What a transport is asked to listen on and how.
 *
 * @param address where to listen; port 0 picks a free one
 * @param eventLoops how many loop threads (default: available processors)
 * @param idleTimeout a connection with no read or write progress for this long is reported to
 *     its handler's {@link ConnectionHandler#onIdleTimeout}
 * @param writeHighWatermark queued output bytes over which a connection turns unwritable
 * @param writeLowWatermark queued output bytes under which it turns writable again
 * @param maxConnections connections open at once; more are closed on accept and logged
 * @param readBufferSize bytes read per read call
 */
public record TransportConfig(InetSocketAddress address, int eventLoops, Duration idleTimeout,
                              int writeHighWatermark, int writeLowWatermark, int maxConnections,
                              int readBufferSize) {

    /** 64 KiB: enough to keep a socket busy, small enough to keep 10,000 connections cheap. */
    public static final int DEFAULT_HIGH_WATERMARK = 64 * 1024;
    /** 32 KiB. */
    public static final int DEFAULT_LOW_WATERMARK = 32 * 1024;
    /** 30 s. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** 10,000 connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * 256 KiB per read: one buffer per event loop (not per connection), large enough that an
     * upload's 16 KiB DATA frames arrive 16 to a read, so the handler is woken once per 16
     * frames, not per 4 (docs/PERFORMANCE.md, S3); {@code -Dweft.transport.readBufferSize}
     * overrides it, for comparisons.
     */
    public static final int DEFAULT_READ_BUFFER = Integer.getInteger("weft.transport.readBufferSize", 256 * 1024);

    /** @throws IllegalArgumentException for values that cannot work */
    public TransportConfig {
        Objects.requireNonNull(address, "address is null");
        Objects.requireNonNull(idleTimeout, "idleTimeout is null");
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops must be >= 1: " + eventLoops);
        }
        if (writeLowWatermark < 0 || writeHighWatermark < writeLowWatermark) {
            throw new IllegalArgumentException("need 0 <= low <= high watermark: " + writeLowWatermark + ", " + writeHighWatermark);
        }
        if (maxConnections < 1 || readBufferSize < 1024) {
            throw new IllegalArgumentException("maxConnections >= 1 and readBufferSize >= 1024 required");
        }
    }

    /** @return the defaults, listening on {@code address} */
    public static TransportConfig of(InetSocketAddress address) {
        return new TransportConfig(address, Runtime.getRuntime().availableProcessors(), DEFAULT_IDLE_TIMEOUT,
                DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK, DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_BUFFER);
    }

    /** @return this config with another loop count */
    public TransportConfig withEventLoops(int count) {
        return new TransportConfig(address, count, idleTimeout, writeHighWatermark, writeLowWatermark, maxConnections, readBufferSize);
    }

    /** @return this config with another idle timeout */
    public TransportConfig withIdleTimeout(Duration timeout) {
        return new TransportConfig(address, eventLoops, timeout, writeHighWatermark, writeLowWatermark, maxConnections, readBufferSize);
    }

    /** @return this config with other watermarks */
    public TransportConfig withWatermarks(int low, int high) {
        return new TransportConfig(address, eventLoops, idleTimeout, high, low, maxConnections, readBufferSize);
    }

    /** @return this config with another connection cap */
    public TransportConfig withMaxConnections(int count) {
        return new TransportConfig(address, eventLoops, idleTimeout, writeHighWatermark, writeLowWatermark, count, readBufferSize);
    }

    /** @return this config with another read size */
    public TransportConfig withReadBufferSize(int bytes) {
        return new TransportConfig(address, eventLoops, idleTimeout, writeHighWatermark, writeLowWatermark, maxConnections, bytes);
    }
}
