package dev.weft.wireproto;

import dev.weft.spi.Connection;
import dev.weft.spi.ConnectionHandler;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves wireproto on one TCP connection (full duplex: answers stream as they are made).
 *
 * <p>Threading: every field not marked otherwise is owned by the connection's event loop: the
 * reactor, the body receiving data, the pause reasons. Commands run on the handler executor
 * through {@link CommandWorkers}: in revision {@code 0002} each on its own virtual thread, side
 * by side; in {@code 0001} one at a time, in order. Handler threads reach the loop only through
 * {@code eventLoop().execute}, and wait on the {@link OutputGate} for back-pressure.
 *
 * <p>Reads pause while a command's data window is full or while
 * {@link WireprotoLimits#maxPendingCommands()} commands are in flight (the per-connection
 * bound on commands running at once).
 */
final class WireprotoConnectionHandler implements ConnectionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(WireprotoConnectionHandler.class);
    /** How long a peer gets to read our protocol-error frame and close before we close. */
    private static final Duration ERROR_LINGER = Duration.ofSeconds(2);
    /** Answer bytes a handler may have on their way to the loop at once. */
    private static final long HANDOFF_LIMIT = 64 * 1024;

    private final Connection connection;
    private final WireprotoLimits limits;
    private final CommandRunner runner;
    private final ServerReactor reactor;
    private final OutputGate gate = new OutputGate(HANDOFF_LIMIT);
    /** Thread-safe on its own. */
    private final CommandWorkers workers;
    private final FramingRevision revision;
    // Loop thread only: the command whose data is arriving, and why reads are paused.
    private CommandBody receivingBody;
    private boolean bodyFull;
    private boolean backlogFull;
    private boolean shuttingDown;

    WireprotoConnectionHandler(Connection connection, ProtocolContext context, WireprotoLimits limits,
                               FramingRevision revision) {
        this.connection = connection;
        this.limits = limits;
        this.revision = revision;
        this.runner = new CommandRunner(context, limits);
        this.reactor = new ServerReactor(limits, ServerReactor.OutputMode.STREAMING, revision);
        this.workers = new CommandWorkers(context.handlerExecutor(),
                revision.hasRequestIds() ? CommandWorkers.Mode.CONCURRENT : CommandWorkers.Mode.SERIAL,
                job -> runner.run(job.command(), job.body(), connection.remoteAddress(), new Sink(job.command().commandId())),
                () -> { });
    }

    @Override
    public void onRead(ByteBuffer data) {
        act(reactor.receive(data));
    }

    @Override
    public void onInputClosed() {
        if (reactor.state() == ServerReactor.State.FAILED) {
            if (reactor.pendingCommands() == 0) {
                connection.close();
            }
            return;
        }
        act(reactor.onInputEnd());
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        gate.writable(writable);
    }

    /**
     * Nothing moved for the transport's idle timeout. Inside a command that never ends: a
     * protocol error, then close. Between commands with nothing running: close. While a
     * command's handler is still working: keep the connection, its answer is coming.
     */
    @Override
    public void onIdleTimeout(Connection ignored) {
        switch (reactor.state()) {
            case RECEIVING_ARGUMENTS, RECEIVING_ARGUMENT_CONTINUATION, RECEIVING_DATA -> act(reactor.onInputTimeout());
            // A command's answer stuck behind a peer that does not read (the output stays
            // unwritable for a whole idle period) is not a handler at work: close, or the peer
            // holds the connection and the handler forever (the CVE-2019-9517 shape).
            case FAILED, IDLE -> {
                if (reactor.pendingCommands() == 0 || !connection.isWritable()) {
                    connection.close();
                }
            }
        }
    }

    @Override
    public void onShutdown(Connection ignored) {
        // Commands in flight finish; the peer's further commands are not read. The transport
        // force-closes at its deadline.
        connection.setReadPaused(true);
        if (reactor.pendingCommands() == 0) {
            connection.close();
        } else {
            shuttingDown = true;
        }
    }

    @Override
    public void onClosed(Throwable cause) {
        IOException gone = new IOException("connection closed", cause);
        if (receivingBody != null) {
            receivingBody.fail(gone);
            receivingBody = null;
        }
        stopWorker(gone);
    }

    /** Carries out the reactor's actions. Loop thread. */
    private void act(List<ServerAction> actions) {
        for (ServerAction action : actions) {
            switch (action) {
                case ServerAction.SendFrames send -> {
                    for (Frame frame : send.frames()) {
                        // Header and payload go as two buffers of one gathering write; frames
                        // are immutable, so the transport may keep the payload until sent.
                        connection.write(FrameCodec.encodeHeader(revision, frame));
                        if (frame.payload().length > 0) {
                            connection.write(ByteBuffer.wrap(frame.payload()));
                        }
                    }
                    connection.flush();
                }
                case ServerAction.RunCommand run -> {
                    CommandBody body = run.hasData()
                            ? new CommandBody(limits.commandDataWindow(), () -> connection.eventLoop().execute(this::bodyDrained))
                            : null;
                    receivingBody = body;
                    workers.submit(new CommandWorkers.Job(run, body));
                }
                case ServerAction.CommandData data -> {
                    if (receivingBody != null) {
                        bodyFull = !receivingBody.offer(data.data(), data.last());
                        if (data.last()) {
                            receivingBody = null;
                            bodyFull = false;
                        }
                    }
                }
                case ServerAction.StopReading stop -> {
                    LOG.info("wireproto connection {} from {}: protocol error: {} (answering the commands already started first)",
                            connection.id(), connection.remoteAddress(), stop.message());
                    if (receivingBody != null) {
                        receivingBody.fail(new IOException("protocol error: " + stop.message()));
                        receivingBody = null;
                    }
                    bodyFull = false;
                    connection.setReadPaused(true);
                }
                case ServerAction.ProtocolError error -> {
                    LOG.info("wireproto connection {} from {}: protocol error: {}", connection.id(),
                            connection.remoteAddress(), error.message());
                    IOException cause = new IOException("protocol error: " + error.message());
                    if (receivingBody != null) {
                        receivingBody.fail(cause);
                        receivingBody = null;
                    }
                    stopWorker(cause);
                    connection.shutdownOutput();
                    connection.eventLoop().schedule(connection::close, ERROR_LINGER);
                }
                case ServerAction.EndOfOutput end -> connection.shutdownOutput();
                case ServerAction.Noop noop -> { }
                case ServerAction.WantFrame want -> { }
            }
        }
        updateReadPause();
    }

    private void updateReadPause() {
        backlogFull = reactor.pendingCommands() >= limits.maxPendingCommands();
        if (reactor.state() != ServerReactor.State.FAILED && connection.isOpen()) {
            connection.setReadPaused(bodyFull || backlogFull || shuttingDown);
        }
    }

    private void bodyDrained() {
        if (bodyFull) {
            bodyFull = false;
            updateReadPause();
        }
    }

    private void stopWorker(IOException cause) {
        gate.close();
        workers.stop(cause);
    }

    /** Hands one command's answer to the loop. The command's handler thread. */
    private final class Sink implements ResponseSink {
        private final long commandId;

        Sink(long commandId) {
            this.commandId = commandId;
        }

        @Override
        public void data(ByteBuffer chunk) throws IOException {
            int bytes = chunk.remaining();
            gate.acquire(bytes);
            onLoop(() -> {
                gate.released(bytes);
                act(reactor.onResponseData(commandId, chunk));
            });
        }

        @Override
        public void end() throws IOException {
            gate.acquire(0);
            onLoop(() -> {
                act(reactor.onResponseEnd(commandId));
                closeIfShutDown();
            });
        }

        @Override
        public void error(String message) throws IOException {
            gate.acquire(0);
            onLoop(() -> {
                act(reactor.onApplicationError(commandId, message));
                closeIfShutDown();
            });
        }

        /** Hands a task to the loop; a loop that refuses it (stopped) means the connection is gone. */
        private void onLoop(Runnable task) throws IOException {
            try {
                connection.eventLoop().execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                gate.close();
                throw new IOException("connection's event loop has stopped", e);
            }
        }

        private void closeIfShutDown() {
            if (shuttingDown && reactor.pendingCommands() == 0) {
                connection.shutdownOutput();
                connection.eventLoop().schedule(connection::close, ERROR_LINGER);
            }
        }
    }
}
