import { MAX_CHUNK_DATA } from '../constants.ts';

/** libp2p protocol of chunk retrieval. */
export const RETRIEVAL_PROTOCOL = '/murmur/chunks/retrieval/1.0.0';
/** Retrieval's former id (before the kind/name scheme): served and offered second until the next minor version. */
export const RETRIEVAL_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/retrieval/1.0.0'];
/** Every id of retrieval, current first: what the service serves and dials. */
export const RETRIEVAL_PROTOCOLS: readonly string[] = [RETRIEVAL_PROTOCOL, ...RETRIEVAL_LEGACY_PROTOCOLS];
/** Hops a request may travel at most. */
export const RETRIEVAL_MAX_HOPS = 8;
/** Overlay addresses a request may ask to skip. */
export const RETRIEVAL_MAX_SKIP = 16;
/** Time one forwarding attempt may take (ms). */
export const RETRIEVAL_TIMEOUT_MS = 10_000;
/**
 * Attempts before giving up: peers are tried closest first; when fewer peers than attempts are
 * known, one whose attempt failed in transit (timeout, reset stream) is asked again.
 */
export const RETRIEVAL_ATTEMPTS = 3;
/** Wait before asking a peer again after its attempt failed in transit (ms, times the retry count). */
export const RETRIEVAL_RETRY_MS = 250;
/** Largest retrieval message (a delivery: type + chunk data). */
export const RETRIEVAL_MAX_MESSAGE = 1 + MAX_CHUNK_DATA + 64;
