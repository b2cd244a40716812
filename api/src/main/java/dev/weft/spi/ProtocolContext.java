package dev.weft.spi;

import dev.weft.api.BodyPolicy;
import dev.weft.api.Handler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What the server gives a protocol for each connection.
 *
 * @param handler the application's handler, served every request
 * @param bodyPolicy the default body policy, reported by each request
 * @param handlerExecutor runs handlers; the server's starts one virtual thread per task
 * @param shutdownGrace how long in-flight exchanges get to finish on graceful stop
 * @param minDataRate the slowest a peer may send request bodies and read responses
 * @param observer told about every exchange and defence (access log, metrics); {@link ExchangeObserver#NONE} by default
 * @param files where file responses are opened ({@link OpenFiles#UNCACHED} by default; the server
 *     gives an {@link OpenFileCache})
 */
public record ProtocolContext(Handler handler, BodyPolicy bodyPolicy, Executor handlerExecutor, Duration shutdownGrace,
                              MinDataRate minDataRate, ExchangeObserver observer, OpenFiles files) {

    /** @throws NullPointerException for a null field */
    public ProtocolContext {
        Objects.requireNonNull(handler, "handler is null");
        Objects.requireNonNull(bodyPolicy, "bodyPolicy is null");
        Objects.requireNonNull(handlerExecutor, "handlerExecutor is null");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace is null");
        Objects.requireNonNull(minDataRate, "minDataRate is null");
        Objects.requireNonNull(observer, "observer is null");
        Objects.requireNonNull(files, "files is null");
    }

    /** A context opening files uncached. */
    public ProtocolContext(Handler handler, BodyPolicy bodyPolicy, Executor handlerExecutor, Duration shutdownGrace,
                           MinDataRate minDataRate, ExchangeObserver observer) {
        this(handler, bodyPolicy, handlerExecutor, shutdownGrace, minDataRate, observer, OpenFiles.UNCACHED);
    }

    /** A context with the default minimum data rates. */
    public ProtocolContext(Handler handler, BodyPolicy bodyPolicy, Executor handlerExecutor, Duration shutdownGrace) {
        this(handler, bodyPolicy, handlerExecutor, shutdownGrace, MinDataRate.DEFAULTS, ExchangeObserver.NONE);
    }

    /** A context with no observer. */
    public ProtocolContext(Handler handler, BodyPolicy bodyPolicy, Executor handlerExecutor, Duration shutdownGrace,
                           MinDataRate minDataRate) {
        this(handler, bodyPolicy, handlerExecutor, shutdownGrace, minDataRate, ExchangeObserver.NONE);
    }

    /** @return this context with other minimum data rates */
    public ProtocolContext withMinDataRate(MinDataRate value) {
        return new ProtocolContext(handler, bodyPolicy, handlerExecutor, shutdownGrace, value, observer, files);
    }

    /** @return this context telling {@code value} about exchanges */
    public ProtocolContext withObserver(ExchangeObserver value) {
        return new ProtocolContext(handler, bodyPolicy, handlerExecutor, shutdownGrace, minDataRate, value, files);
    }

    /** @return this context opening file responses through {@code value} */
    public ProtocolContext withFiles(OpenFiles value) {
        return new ProtocolContext(handler, bodyPolicy, handlerExecutor, shutdownGrace, minDataRate, observer, value);
    }

    /** @return a context with default policy, a virtual thread per handler call and 10 s of grace */
    public static ProtocolContext of(Handler handler) {
        return new ProtocolContext(handler, BodyPolicy.defaults(), VirtualThreads.EXECUTOR, Duration.ofSeconds(10));
    }

    /** Holds the shared virtual-thread-per-task executor. */
    private static final class VirtualThreads {
        static final Executor EXECUTOR = task -> Thread.ofVirtual().name("weft-handler").start(task);
    }
}
