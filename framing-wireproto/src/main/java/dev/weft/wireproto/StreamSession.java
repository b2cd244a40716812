package dev.weft.wireproto;

import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one peer over a pair of blocking byte streams: stdio, or an HTTP request body and
 * response body. The calling thread reads and feeds the reactor; commands run on the context's
 * handler executor through {@link CommandWorkers}: one at a time in order in revision
 * {@code 0001} (answers must go out in order), side by side in {@code 0002}. A half-duplex
 * ({@code DEFERRED}) session still holds every answer until end of input.
 *
 * <p>Threading: {@code lock} guards the reactor and {@code out}, so frames are written in the
 * order the reactor made them. Command data is handed to handlers outside the lock (it may
 * block on a full window, and handlers need the lock to answer). At most
 * {@link WireprotoLimits#maxPendingCommands()} commands are in flight ({@code slots}): a peer
 * that pipelines more waits.
 */
final class StreamSession {
    private static final Logger LOG = LoggerFactory.getLogger(StreamSession.class);
    private static final int READ_SIZE = 64 * 1024;

    private final WireprotoLimits limits;
    private final InputStream in;
    private final OutputStream out;
    private final InetSocketAddress remoteAddress;
    private final CommandRunner runner;
    private final Object lock = new Object();
    /** Guarded by {@code lock}. */
    private final ServerReactor reactor;
    /** Guarded by {@code lock}: the first output failure; later answers are dropped. */
    private IOException outputFailure;

    private final FramingRevision revision;
    /** Thread-safe on its own. */
    private final CommandWorkers workers;
    /** Commands in flight: taken by the reading thread per command, given back as each ends. */
    private final Semaphore slots;
    /** Read and written by the reading thread only. */
    private CommandBody receivingBody;
    /** Reading thread only: the peer broke the protocol or stopped taking output. */
    private boolean aborted;

    StreamSession(ProtocolContext context, WireprotoLimits limits, FramingRevision revision, ServerReactor.OutputMode mode,
                  InputStream in, OutputStream out, InetSocketAddress remoteAddress) {
        this.limits = limits;
        this.revision = revision;
        this.in = in;
        this.out = out;
        this.remoteAddress = remoteAddress;
        this.runner = new CommandRunner(context, limits);
        this.reactor = new ServerReactor(limits, mode, revision);
        this.slots = new Semaphore(limits.maxPendingCommands());
        this.workers = new CommandWorkers(context.handlerExecutor(),
                revision.hasRequestIds() ? CommandWorkers.Mode.CONCURRENT : CommandWorkers.Mode.SERIAL,
                job -> runner.run(job.command(), job.body(), remoteAddress, new Sink(job.command().commandId())),
                slots::release);
    }

    /**
     * Serves until end of input and every answer is out, or until a protocol error.
     *
     * @throws IOException if the streams fail
     */
    void run() throws IOException {
        boolean stopped = false;
        try {
            byte[] buffer = new byte[READ_SIZE];
            while (!stopped) {
                int read = in.read(buffer);
                List<ServerAction> actions;
                synchronized (lock) {
                    actions = read < 0 ? reactor.onInputEnd() : reactor.receive(ByteBuffer.wrap(buffer, 0, read));
                    actions = writeFrames(actions);
                }
                stopped = handle(actions) || read < 0;
                if (read >= 0) {
                    // The reactor keeps no reference to the read buffer, but command data chunks
                    // handed to handlers wrap it: use a fresh buffer after handing any out.
                    buffer = new byte[READ_SIZE];
                }
            }
            if (!aborted) {
                // End of input (or a protocol error after started commands): the commands
                // still in flight run to their end, and their answers go out.
                workers.awaitIdle();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(new InterruptedIOException("interrupted while serving"));
            throw new InterruptedIOException("interrupted while serving wireproto");
        } catch (IOException e) {
            abort(e);
            throw e;
        }
        synchronized (lock) {
            if (outputFailure != null) {
                throw outputFailure;
            }
        }
    }

    /** Writes the SendFrames among the actions (lock held); returns the others. */
    private List<ServerAction> writeFrames(List<ServerAction> actions) {
        assert Thread.holdsLock(lock);
        List<ServerAction> rest = new ArrayList<>();
        for (ServerAction action : actions) {
            switch (action) {
                case ServerAction.SendFrames send -> {
                    if (outputFailure == null) {
                        try {
                            for (Frame frame : send.frames()) {
                                ByteBuffer encoded = FrameCodec.encode(revision, frame);
                                out.write(encoded.array(), encoded.arrayOffset(), encoded.remaining());
                            }
                            out.flush();
                        } catch (IOException e) {
                            outputFailure = e;
                        }
                    }
                }
                case ServerAction.EndOfOutput end -> {
                    try {
                        out.flush();
                    } catch (IOException e) {
                        outputFailure = outputFailure == null ? e : outputFailure;
                    }
                }
                default -> rest.add(action);
            }
        }
        return rest;
    }

    /** Acts on the reading side's actions (lock not held). @return whether to stop reading */
    private boolean handle(List<ServerAction> actions) throws InterruptedException, IOException {
        for (ServerAction action : actions) {
            switch (action) {
                case ServerAction.RunCommand run -> {
                    CommandBody body = run.hasData() ? new CommandBody(limits.commandDataWindow(), () -> { }) : null;
                    receivingBody = body;
                    // The reactor has counted the command; the slot bounds how many run at once.
                    slots.acquire();
                    workers.submit(new CommandWorkers.Job(run, body));
                }
                case ServerAction.CommandData data -> {
                    if (receivingBody != null) {
                        receivingBody.put(data.data(), data.last());
                        if (data.last()) {
                            receivingBody = null;
                        }
                    }
                }
                case ServerAction.StopReading stop -> {
                    LOG.info("wireproto peer {} broke the protocol: {} (answering the commands already started first)",
                            remoteAddress == null ? "on stdio" : remoteAddress, stop.message());
                    if (receivingBody != null) {
                        receivingBody.fail(new IOException("protocol error: " + stop.message()));
                        receivingBody = null;
                    }
                    return true;
                }
                case ServerAction.ProtocolError error -> {
                    LOG.info("wireproto peer {} broke the protocol: {}", remoteAddress == null ? "on stdio" : remoteAddress,
                            error.message());
                    abort(new IOException("protocol error: " + error.message()));
                    return true;
                }
                case ServerAction.SendFrames send -> throw new IllegalStateException("frames are written under the lock");
                case ServerAction.EndOfOutput end -> throw new IllegalStateException("handled under the lock");
                case ServerAction.Noop noop -> { }
                case ServerAction.WantFrame want -> { }
            }
        }
        IOException failure;
        synchronized (lock) {
            failure = outputFailure;
        }
        if (failure != null) {
            LOG.info("wireproto peer {} stopped taking output: {}", remoteAddress == null ? "on stdio" : remoteAddress,
                    failure.toString());
            abort(failure);
            return true;
        }
        return false;
    }

    /** The peer is gone or broke the protocol: fail the data in flight and stop the worker. */
    private void abort(IOException cause) {
        aborted = true;
        if (receivingBody != null) {
            receivingBody.fail(cause);
            receivingBody = null;
        }
        workers.stop(cause);
    }

    /** Feeds one command's answer into the reactor and writes what it says. The command's handler thread. */
    private final class Sink implements ResponseSink {
        private final long commandId;

        Sink(long commandId) {
            this.commandId = commandId;
        }

        @Override
        public void data(ByteBuffer chunk) throws IOException {
            deliver(() -> reactor.onResponseData(commandId, chunk));
        }

        @Override
        public void end() throws IOException {
            deliver(() -> reactor.onResponseEnd(commandId));
        }

        @Override
        public void error(String message) throws IOException {
            deliver(() -> reactor.onApplicationError(commandId, message));
        }

        private void deliver(java.util.function.Supplier<List<ServerAction>> event) throws IOException {
            synchronized (lock) {
                if (outputFailure != null) {
                    throw outputFailure;
                }
                writeFrames(event.get());
            }
        }
    }
}
