package dev.weft.spi;

/**
 * Makes the handler of each new connection. Called on the connection's event loop, before any
 * read; must not block.
 */
@FunctionalInterface
public interface ConnectionInitializer {
    /**
     * @param connection the new connection
     * @return its handler
     */
    ConnectionHandler initialize(Connection connection);
}
