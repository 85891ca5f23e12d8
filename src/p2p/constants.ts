/** Longest unsigned varint length prefix accepted (5 bytes = up to 2^35-1, far above any cap). */
export const MAX_VARINT_BYTES = 5;
/** Default per-message byte cap when a protocol gives none. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** Default time to wait for one whole message. */
export const DEFAULT_READ_TIMEOUT_MS = 10_000;
