/**
 * The types of the code registry. This file imports nothing, so every other file of src/errors (and
 * every module's codes.ts, through index.ts) can depend on it without a cycle.
 */

/** HTTP statuses the local API answers for an error code. */
export type HttpStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 409
  | 410
  | 413
  | 422
  | 429
  | 499
  | 500
  | 502
  | 503
  | 504
  | 507;

/**
 * The misbehaviour a remote peer earns when the bytes it sent on a protocol raise this code
 * (`ctx.strike(peer, kind)`; the peer book counts strikes towards purgatory).
 * - `undecodable`: bytes that do not decode as the protocol's message.
 * - `oversized`: a message or record over its hard size cap.
 * - `forged`: a signature or a content hash that does not verify, or a writer's equivocation.
 * - `invalid`: a record that decodes but breaks its grammar (path, pattern, key, tree binding).
 * - `unauthorised`: a record its signer had no authority to write.
 * - `protocol`: a message out of protocol order or state.
 * - `unsolicited`: data nobody asked for.
 * - `flood`: more of something than the peer's share.
 */
export type StrikeKind =
  | 'undecodable'
  | 'oversized'
  | 'forged'
  | 'invalid'
  | 'unauthorised'
  | 'protocol'
  | 'unsolicited'
  | 'flood';

/** What a code means: its message, the local API's status and the strike a peer earns (if any). */
export interface CodeInfo {
  /** The default message (and the meaning documented in docs/ERRORS.md). */
  readonly message: string;
  /** The status the local API answers when a request fails with this code. */
  readonly http: HttpStatus;
  /** Absent: never a strike (timeouts, aborts, closed streams, local storage errors, caller errors). */
  readonly strike?: StrikeKind;
}

/** One module's codes, as given to defineCodes. */
export type CodeTable = { readonly [code: `MURMUR_${string}`]: CodeInfo };

/**
 * Every stable error code, as a type. Empty here: ./codes.ts adds the core codes and each module's
 * codes.ts adds its table by declaration merging
 * (`declare module '../errors/index.ts' { interface ErrorCodes extends MyCodes {} }`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface ErrorCodes {}

export type ErrorCode = keyof ErrorCodes;
