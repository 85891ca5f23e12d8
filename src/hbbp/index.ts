/**
 * HBBP: a tiny broadcast protocol for one link (docs/HBBP.md).
 * @module murmur/hbbp
 */
import './codes.ts';

export * from './constants.ts';
export { decodeDatagram, encodeDatagram, type HbbpMessage, maxPayload, validateKey } from './datagram.ts';
export {
  type HandlerEvent,
  type HandlerJob,
  HandlerRunner,
  type HandlerRunnerOptions,
  resolveHandler,
} from './handlers.ts';
export { deriveKeySet, generateKeyFiles, type KeyFiles, KeyRing, type KeySet } from './keyring.ts';
export { RateLimiter, type RateLimitOptions } from './ratelimit.ts';
export {
  looksSealed,
  maxSealedPayload,
  type Opened,
  openEnvelope,
  ReplayGuard,
  sealDatagram,
} from './seal.ts';
export {
  buildDatagram,
  type DropReason,
  type HbbpListener,
  type HbbpReceived,
  type ListenerStatName,
  type ListenOptions,
  listen,
  type SendOptions,
  send,
} from './socket.ts';
