/** Protocol id of the murmur handshake (`/murmur/<kind>/<name>/<version>`). */
export const HANDSHAKE_PROTOCOL = '/murmur/node/handshake/1.0.0';
/** The handshake's former id (before the kind/name scheme): served and offered second until the next minor version. */
export const HANDSHAKE_LEGACY_PROTOCOLS: readonly string[] = ['/murmur/handshake/1.0.0'];
/** Every id of the handshake, current first: what a node serves and offers. */
export const HANDSHAKE_PROTOCOLS: readonly string[] = [HANDSHAKE_PROTOCOL, ...HANDSHAKE_LEGACY_PROTOCOLS];
/** Prefix a remote must list (same major version) to be compatible. */
export const HANDSHAKE_COMPAT_PREFIX = '/murmur/node/handshake/1.';
/**
 * Every prefix that makes a remote compatible: the current one, and the legacy handshake's (what a
 * node of the previous version lists), accepted until the legacy ids are dropped.
 */
export const HANDSHAKE_COMPAT_PREFIXES: readonly string[] = [HANDSHAKE_COMPAT_PREFIX, '/murmur/handshake/1.'];
/** Hard cap on one Hello message, checked before decoding. */
export const MAX_HELLO_BYTES = 4096;
/** Whole handshake deadline. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Addresses kept from a Hello at most. */
export const MAX_HELLO_ADDRS = 16;
/** Protocol ids kept from a Hello at most. */
export const MAX_HELLO_PROTOCOLS = 32;
/** Longest network id / protocol id / refusal string. */
export const MAX_HELLO_STRING = 128;
/** Overlay address length. */
export const OVERLAY_BYTES = 32;

/** Why a handshake was refused; also the metrics label. */
export type RefusalReason = 'self' | 'duplicate' | 'network' | 'overlay' | 'version' | 'invalid' | 'busy';
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'self',
  'duplicate',
  'network',
  'overlay',
  'version',
  'invalid',
  'busy',
];
