package dev.weft.server.cli;

import dev.weft.body.TempDirectory;
import dev.weft.server.Weft;
import dev.weft.server.demo.DemoRoutes;
import dev.weft.spi.Protocol;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;

/**
 * {@code weft wireproto --stdio}: one peer on stdin/stdout, like {@code hg serve --stdio}. The
 * protocol owns stdout; everything else (logs, a stray print) goes to stderr.
 */
final class WireprotoCommand {
    static final Set<String> FLAGS = Set.of("stdio!", "root", "tmp-dir", "wireproto-revision", "wireproto-max-commands");

    private WireprotoCommand() {
    }

    static int run(Flags flags) {
        if (!flags.has("stdio")) {
            throw new Flags.UsageException("wireproto needs --stdio (for TCP use: weft serve --protocol wireproto)");
        }
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        System.setOut(System.err);
        try (TempDirectory temp = ServeCommand.openTempDirectory(flags)) {
            Weft.Builder builder = Weft.builder().handler(DemoRoutes.create(
                    flags.get("root").map(java.nio.file.Path::of).orElseGet(ServeCommand::defaultRoot), temp));
            WireprotoFlags.module(flags).ifPresent(builder::override);
            Protocol protocol = builder.plugins().protocol("wireproto");
            protocol.serveStreams(in, out, builder.protocolContext());
            out.flush();
            return 0;
        } catch (IOException e) {
            System.err.println("weft: wireproto over stdio failed: " + e.getMessage());
            return Main.FAILED;
        }
    }
}
