/** Largest JSON request body accepted by default (routes may set their own cap). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;
/** Interval of the `: heartbeat` comments on server-sent event streams. */
export const SSE_HEARTBEAT_MS = 15_000;
/** Deepest nesting of arrays and objects accepted in a JSON request body. */
export const MAX_JSON_DEPTH = 64;
