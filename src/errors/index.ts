import './codes.ts';
import { codeInfo } from './registry.ts';
import type { ErrorCode } from './types.ts';

export {
  claimStrike,
  codeInfo,
  defineCodes,
  ERROR_CODES,
  httpStatusOf,
  isErrorCode,
  registeredCodes,
  strikeKindOf,
} from './registry.ts';
export type { CodeInfo, CodeTable, ErrorCode, ErrorCodes, HttpStatus, StrikeKind } from './types.ts';

/**
 * The one error base of murmur. `code` is stable (see ./codes.ts and each module's codes.ts); `message` is for
 * people and may change. `details` carries machine-readable context (never secrets).
 */
export class MurmurError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(
      message ?? codeInfo(code)?.message ?? code,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'MurmurError';
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isMurmurError(err: unknown, code?: ErrorCode): err is MurmurError {
  return err instanceof MurmurError && (code === undefined || err.code === code);
}

/** Throws MURMUR_ABORTED if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new MurmurError('MURMUR_ABORTED', 'operation aborted', { cause: signal.reason });
  }
}
