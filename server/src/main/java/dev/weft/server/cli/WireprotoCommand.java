package dev.weft.server.cli;

import dev.weft.body.TempDirectory;
import dev.weft.server.Weft;
import dev.weft.server.demo.DemoRoutes;
import dev.weft.spi.Protocol;
import dev.weft.wireproto.FramingRevision;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code weft wireproto --stdio}: one peer on stdin/stdout, like {@code hg serve --stdio}. The
 * protocol owns stdout; everything else (logs, a stray print) goes to stderr.
 */
final class WireprotoCommand {

    private WireprotoCommand() {
    }

    /** @return {@code --stdio}, {@code --root DIR}, {@code --tmp-dir DIR}, {@code --wireproto-revision R} */
    static CommandSpec commandSpec() {
        CommandSpec spec = CommandSpec.create().name("wireproto");
        spec.addOption(OptionSpec.builder("--stdio").type(boolean.class).arity("0").build());
        spec.addOption(OptionSpec.builder("--root").paramLabel("DIR").type(String.class).arity("1").build());
        spec.addOption(OptionSpec.builder("--tmp-dir").paramLabel("DIR").type(String.class).arity("1").build());
        // issue 15: the framing revision the peer speaks (0002: request ids, commands side by side)
        spec.addOption(OptionSpec.builder(ServeSetting.WIREPROTO_REVISION.flag()).paramLabel("R").type(String.class)
                .arity("1").build());
        return spec;
    }

    static int run(ParseResult flags) {
        if (!flags.hasMatchedOption("--stdio")) {
            throw new UsageException("wireproto needs --stdio (for TCP use: weft serve --protocol wireproto)");
        }
        // Checked before stdio is touched, so that a bad value is only a usage error.
        Optional<FramingRevision> revision = Optional.ofNullable(
                flags.<String>matchedOptionValue(ServeSetting.WIREPROTO_REVISION.flag(), null)).map(ServeCommand::wireprotoRevision);
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        System.setOut(System.err);
        try (TempDirectory temp = ServeCommand.openTempDirectory(
                Optional.ofNullable(flags.matchedOptionValue("--tmp-dir", null)))) {
            Weft.Builder builder = Weft.builder().handler(DemoRoutes.create(
                    Optional.ofNullable(flags.<String>matchedOptionValue("--root", null)).map(java.nio.file.Path::of).orElseGet(ServeCommand::defaultRoot), temp));
            revision.ifPresent(chosen -> builder.override(binder -> binder.bind(FramingRevision.class).toInstance(chosen)));
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
