/**
 * HTTP headers a client sent with a message that the upstream transport must send on with it
 * unchanged (MCP 2026-07-28 `Mcp-Param-*`: an intermediary forwards the ones it does not know).
 * Keyed by the message object, which the pipeline hands to the upstream as it got it; a message
 * the pipeline rebuilds carries none, and the transport derives what it can from the body.
 */
export const forwardedHeaders = new WeakMap<object, Readonly<Record<string, string>>>();
