/**
 * The service-provider interfaces: what transports, protocols and body policies implement, and
 * the plugin-module interface through which {@link java.util.ServiceLoader} finds them.
 *
 * <p>Layering: a {@link dev.weft.spi.Transport} owns sockets and event loops and hands each
 * {@link dev.weft.spi.Connection} to a {@link dev.weft.spi.ConnectionHandler}, which a
 * {@link dev.weft.spi.Protocol} creates; the protocol turns bytes into requests for the
 * application's {@link dev.weft.api.Handler}. Only {@link dev.weft.spi.WeftPlugin} and
 * {@link dev.weft.spi.WeftBindings} mention Guice.
 */
package dev.weft.spi;
