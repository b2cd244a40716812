package dev.weft.wireproto;

import dev.weft.api.Body;
import dev.weft.api.CommandArguments;
import dev.weft.api.Content;
import dev.weft.api.ExchangeResources;
import dev.weft.api.Headers;
import dev.weft.api.Request;
import dev.weft.api.Response;
import dev.weft.api.StreamContent;
import dev.weft.api.StreamContent.Data;
import dev.weft.spi.CompletedExchange;
import dev.weft.spi.ExchangeObserver;
import dev.weft.spi.ProtocolContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one command through the application's handler, as the architecture maps it: command
 * {@code name} with arguments becomes {@code POST /name} with the arguments as exact bytes
 * ({@link Request#arguments()}) and, decoded as UTF-8, as headers, and the command data as the body; a 2xx answer streams into bytes-response frames, any other status
 * becomes an application error carrying the body as its message.
 *
 * <p>Threading: stateless; {@link #run} is called on the command's handler thread and blocks
 * there (on the body, on the sink's back-pressure).
 */
final class CommandRunner {
    /** The wireproto request's protocol name, as handlers see it. */
    static final String PROTOCOL = "wireproto";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
    /** A command is one path segment; anything else could reach routes no command should. */
    private static final Pattern COMMAND_NAME = Pattern.compile("[A-Za-z0-9_.~-]{1,200}");
    private static final int FILE_CHUNK = 32 * 1024;

    private final ProtocolContext context;
    private final int maxErrorMessage;

    CommandRunner(ProtocolContext context, WireprotoLimits limits) {
        this.context = context;
        this.maxErrorMessage = limits.sendFrameLength();
    }

    /**
     * Runs the command and answers through {@code sink}. Never throws: a failing handler
     * becomes an application error, a failing sink ends the answer.
     *
     * @param body the command's data, or {@code null} if it has none
     */
    void run(ServerAction.RunCommand command, Body body, InetSocketAddress remoteAddress, ResponseSink sink) {
        ExchangeObserver observer = context.observer();
        Observed observed = observer.isListening() ? new Observed(observer, command, remoteAddress, body, sink) : null;
        try {
            if (observed != null) {
                runChecked(command, observed.body, remoteAddress, observed, observed);
            } else {
                runChecked(command, body, remoteAddress, sink, null);
            }
        } catch (IOException e) {
            if (observed != null) {
                observed.aborted = true;
            }
            // The carrier could not take the answer (peer gone, protocol error): nothing to tell.
            LOG.debug("wireproto answer to '{}' not delivered: {}", command.name(), e.toString());
        } finally {
            // Closed only now: a streamed answer may still have been reading it (echo).
            if (body != null) {
                body.close();
            }
            if (observed != null) {
                observed.report();
            }
        }
    }

    private void runChecked(ServerAction.RunCommand command, Body body, InetSocketAddress remoteAddress,
                            ResponseSink sink, Observed observed) throws IOException {
        try (ExchangeResources resources = new ExchangeResources()) {
            if (!COMMAND_NAME.matcher(command.name()).matches() || command.name().equals(".") || command.name().equals("..")) {
                sink.error("unknown command '" + printable(command.name()) + "'");
                return;
            }
            // The values go to the handler as exact bytes (arguments()); the headers carry the
            // same arguments decoded as UTF-8, a lossy convenience for text arguments.
            CommandArguments.Builder arguments = CommandArguments.builder();
            Headers.Builder headers = Headers.builder();
            for (Argument argument : command.arguments()) {
                // The reactor's Argument owns its array and never changes it: no copy needed.
                arguments.addOwned(argument.name(), argument.value());
                headers.add(argument.name(), argument.valueText());
            }
            Request request = Request.builder().method("POST").path("/" + command.name()).protocol(PROTOCOL)
                    .headers(headers.build()).arguments(arguments.build()).remoteAddress(remoteAddress).bodyPolicy(context.bodyPolicy())
                    .resources(resources).body(body).build();
            Response response;
            try {
                response = context.handler().handle(request);
            } catch (InterruptedException | InterruptedIOException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception | LinkageError e) {
                LOG.warn("wireproto command '{}' failed", command.name(), e);
                sink.error("command '" + command.name() + "' failed: internal error");
                return;
            }
            if (observed != null && response != null) {
                observed.status = response.status();
            }
            if (response == null) {
                sink.error("command '" + command.name() + "' gave no answer");
            } else if (response.status() >= 200 && response.status() < 300) {
                stream(command.name(), response.content(), sink);
            } else {
                sink.error(errorMessage(command.name(), response));
            }
        }
    }

    private static void stream(String name, Content content, ResponseSink sink) throws IOException {
        switch (content) {
            case Content.None none -> sink.end();
            case Content.Bytes bytes -> {
                sink.data(bytes.buffer().duplicate());
                sink.end();
            }
            case Content.FileRegion region -> {
                try (FileChannel file = FileChannel.open(region.path(), StandardOpenOption.READ)) {
                    long position = region.offset();
                    long remaining = region.count();
                    while (remaining > 0) {
                        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(FILE_CHUNK, remaining));
                        int read = file.read(chunk, position);
                        if (read < 0) {
                            throw new IOException("file " + region.path() + " shorter than its region");
                        }
                        position += read;
                        remaining -= read;
                        sink.data(chunk.flip());
                    }
                } catch (IOException e) {
                    LOG.warn("wireproto command '{}': reading {} failed", name, region.path(), e);
                    sink.error("command '" + name + "' failed: internal error");
                    return;
                }
                sink.end();
            }
            case Content.Streamed streamed -> {
                try (Body source = streamed.source()) {
                    while (true) {
                        StreamContent next;
                        try {
                            next = source.next();
                        } catch (IOException e) {
                            LOG.warn("wireproto command '{}': response content failed", name, e);
                            sink.error("command '" + name + "' failed: internal error");
                            return;
                        }
                        switch (next) {
                            case StreamContent.Data data -> sink.data(data.bytes());
                            case StreamContent.Trailers trailers -> { }
                            case StreamContent.End end -> {
                                sink.end();
                                return;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * One command watched for the {@link ExchangeObserver}: counts the command data read and the
     * answer's bytes. Threading: the command's handler thread only.
     */
    private static final class Observed implements ResponseSink {
        private final ExchangeObserver observer;
        private final ServerAction.RunCommand command;
        private final InetSocketAddress peer;
        private final ResponseSink sink;
        private final long startNanos = System.nanoTime();
        private final long startMillis = System.currentTimeMillis();
        final Body body;
        int status;
        boolean aborted;
        private long bytesIn;
        private long bytesOut;

        Observed(ExchangeObserver observer, ServerAction.RunCommand command, InetSocketAddress peer, Body body, ResponseSink sink) {
            this.observer = observer;
            this.command = command;
            this.peer = peer;
            this.sink = sink;
            this.body = body == null ? null : new Body() {
                @Override
                public StreamContent next() throws IOException {
                    StreamContent next = body.next();
                    if (next instanceof Data data) {
                        bytesIn += data.bytes().remaining();
                    }
                    return next;
                }

                @Override
                public java.util.OptionalLong contentLength() {
                    return body.contentLength();
                }

                @Override
                public Headers trailers() {
                    return body.trailers();
                }

                @Override
                public void close() {
                    body.close();
                }
            };
            observer.exchangeStarted(WireprotoProtocol.NAME);
        }

        @Override
        public void data(ByteBuffer chunk) throws IOException {
            bytesOut += chunk.remaining();
            sink.data(chunk);
        }

        @Override
        public void end() throws IOException {
            sink.end();
        }

        @Override
        public void error(String message) throws IOException {
            if (status == 0) {
                status = 500;
            }
            sink.error(message);
        }

        void report() {
            observer.exchangeCompleted(new CompletedExchange(startMillis, peer, WireprotoProtocol.NAME, "POST", "/" + command.name(),
                    status, bytesIn, bytesOut, System.nanoTime() - startNanos, command.commandId(),
                    aborted ? CompletedExchange.Outcome.ABORTED : CompletedExchange.Outcome.COMPLETED));
        }
    }

    private String errorMessage(String name, Response response) {
        byte[] bytes = new byte[0];
        try {
            bytes = switch (response.content()) {
                case Content.None none -> bytes;
                case Content.Bytes content -> {
                    ByteBuffer buffer = content.buffer().duplicate();
                    byte[] copy = new byte[Math.min(buffer.remaining(), maxErrorMessage)];
                    buffer.get(copy);
                    yield copy;
                }
                case Content.FileRegion region -> bytes;
                case Content.Streamed streamed -> {
                    try (Body source = streamed.source()) {
                        yield source.asInputStream().readNBytes(maxErrorMessage);
                    }
                }
            };
        } catch (IOException e) {
            LOG.debug("wireproto command '{}': error body unreadable: {}", name, e.toString());
        }
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "command '" + name + "' failed with status " + response.status() : text;
    }

    private static String printable(String name) {
        StringBuilder text = new StringBuilder();
        name.codePoints().limit(200).forEach(c -> text.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.toString();
    }
}
