package dev.weft.transport.nio;

import dev.weft.spi.Transport;
import dev.weft.spi.testkit.TransportTestKit;

/** The transport test kit, on NIO. */
class NioTransportKitTest extends TransportTestKit {
    @Override
    protected Transport transport() {
        return new NioTransport();
    }
}
