import type { ErrorCode } from '../errors/index.ts';

export { MAX_JSON_BODY_BYTES, SSE_HEARTBEAT_MS } from '../http/constants.ts';
/** Bytes of randomness in a generated API token (hex-encoded in <data>/api-token). */
export const TOKEN_BYTES = 32;
/** Largest api.json / api-token file the client reads. */
export const MAX_INFO_FILE_BYTES = 4096;
/** Time the client waits for the daemon to answer before giving up. */
export const CLIENT_TIMEOUT_MS = 30_000;
/** Time stop() waits for open requests before cutting connections. */
export const STOP_GRACE_MS = 1000;

/** HTTP status for an error code; codes not listed map to 400 for MurmurErrors. */
export const DEFAULT_ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  MURMUR_API_UNAUTHORIZED: 401,
  MURMUR_API_FORBIDDEN_HOST: 403,
  MURMUR_API_NOT_FOUND: 404,
  MURMUR_API_METHOD_NOT_ALLOWED: 405,
  MURMUR_API_BODY_TOO_LARGE: 413,
  MURMUR_API_INTERNAL: 500,
  MURMUR_IO: 500,
  MURMUR_TIMEOUT: 504,
  MURMUR_ABORTED: 499,
};
