package dev.weft.transport.epoll;

import dev.weft.spi.Transport;
import dev.weft.spi.testkit.TransportTestKit;

/** The transport test kit, unchanged, on epoll. */
class EpollTransportKitTest extends TransportTestKit {
    @Override
    protected Transport transport() {
        return new EpollTransport();
    }
}
