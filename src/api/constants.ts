export { MAX_JSON_BODY_BYTES, SSE_HEARTBEAT_MS } from '../http/constants.ts';
/** Bytes of randomness in a generated API token (hex-encoded in <data>/api-token). */
export const TOKEN_BYTES = 32;
/** Largest api.json / api-token file the client reads. */
export const MAX_INFO_FILE_BYTES = 4096;
/** Time the client waits for the daemon to answer before giving up. */
export const CLIENT_TIMEOUT_MS = 30_000;
/** Time stop() waits for open requests before cutting connections. */
export const STOP_GRACE_MS = 1000;
