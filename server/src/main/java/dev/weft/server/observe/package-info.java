/** Operability: the access log, metrics, and the admin listener with /metrics and /health. */
package dev.weft.server.observe;
