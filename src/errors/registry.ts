import type { CodeInfo, CodeTable, ErrorCode, StrikeKind } from './types.ts';

// The registry's types (CodeInfo, HttpStatus, StrikeKind with the meaning of each kind, ErrorCodes)
// are in ./types.ts, which imports nothing.

const registry = new Map<string, CodeInfo>();

/**
 * Messages by code, filled as tables are defined (kept for `code in ERROR_CODES` and the message
 * lookups of callers; prefer codeInfo).
 */
export const ERROR_CODES: { readonly [C in ErrorCode]: string } = Object.create(null);

/**
 * Registers one module's codes and returns the table typed. A module's codes.ts calls it and adds its
 * table's type to `ErrorCodes` by declaration merging, so `ErrorCode` covers it; the module imports its
 * codes.ts from its entry points so the table is registered before a code is raised or looked up.
 * Defining a code twice with a different meaning throws (codes are append-only and unique).
 */
export function defineCodes<const T extends CodeTable>(table: T): T {
  for (const [code, info] of Object.entries(table) as [string, CodeInfo][]) {
    if (!/^MURMUR_[A-Z0-9_]+$/.test(code)) throw new TypeError(`bad error code ${code}`);
    const known = registry.get(code);
    if (known !== undefined && !sameInfo(known, info)) {
      throw new TypeError(`error code ${code} is defined twice with different meanings`);
    }
    registry.set(code, Object.freeze({ ...info }));
    (ERROR_CODES as Record<string, string>)[code] = info.message;
  }
  return table;
}

function sameInfo(a: CodeInfo, b: CodeInfo): boolean {
  return a.message === b.message && a.http === b.http && a.strike === b.strike;
}

/** The registered meaning of a code, or undefined for a code no loaded module defines. */
export function codeInfo(code: string): CodeInfo | undefined {
  return registry.get(code);
}

/** Whether `code` is a registered code (a string from a peer or a response, checked before use). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && registry.has(code);
}

/** Every registered code with its meaning, in registration order. */
export function registeredCodes(): ReadonlyMap<ErrorCode, CodeInfo> {
  return registry as ReadonlyMap<ErrorCode, CodeInfo>;
}

function codeOf(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('MURMUR_') ? code : undefined;
}

/**
 * The status the local API answers for an error: the table's for a registered code, 400 for another
 * MURMUR_ code, 500 for anything that is not a murmur error (a crash).
 */
export function httpStatusOf(err: unknown): number {
  const code = codeOf(err);
  if (code === undefined) return 500;
  return registry.get(code)?.http ?? 400;
}

/** The strike kind the table gives an error (or a bare code), or undefined when it is never a strike. */
export function strikeKindOf(err: unknown): StrikeKind | undefined {
  const code = typeof err === 'string' ? err : codeOf(err);
  return code === undefined ? undefined : registry.get(code)?.strike;
}

const struck = new WeakSet<object>();

/**
 * strikeKindOf for the one place that strikes for this error object: the first call returns the
 * kind and marks the error, later calls (a service seeing an error its transport already struck)
 * return undefined, so one error earns at most one strike.
 */
export function claimStrike(err: unknown): StrikeKind | undefined {
  if (err === null || typeof err !== 'object' || struck.has(err)) return undefined;
  const kind = strikeKindOf(err);
  if (kind !== undefined) struck.add(err);
  return kind;
}
