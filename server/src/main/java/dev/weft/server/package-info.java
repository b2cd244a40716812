/**
 * The composition root: {@link dev.weft.server.Weft} finds plugins with
 * {@link java.util.ServiceLoader}, binds them with Guice, and starts a
 * {@link dev.weft.server.WeftServer} on the chosen transport and protocols.
 */
package dev.weft.server;
