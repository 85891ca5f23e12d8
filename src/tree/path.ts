import { MurmurError } from '../errors/index.ts';
import { MAX_PATH_BYTES, MAX_PATH_DEPTH, MAX_SEGMENT_BYTES } from './constants.ts';

/**
 * Key path grammar:
 *   path    = 1*( "/" segment )
 *   segment = 1*255 schar, not "." nor ".."
 *   schar   = ALPHA / DIGIT / "-" / "_" / "." / "~" / "+" / "=" / "," / ":" / "@" / "%"
 * At most 32 segments and 1024 bytes. No empty segment, no trailing slash, no control character, no
 * "*" (reserved for patterns), no "!" (filter negation). So a key can never traverse anything.
 */
const SEGMENT_CHAR = /^[A-Za-z0-9\-_.~+=,:@%]+$/;

export function isSegmentChar(ch: string): boolean {
  return SEGMENT_CHAR.test(ch);
}

/** Validates a key path and returns its segments; throws MURMUR_TREE_BAD_PATH. */
export function parsePath(path: string): string[] {
  if (typeof path !== 'string') throw bad(String(path), 'not a string');
  if (path.length > MAX_PATH_BYTES) throw bad(path, `longer than ${MAX_PATH_BYTES} bytes`);
  if (!path.startsWith('/')) throw bad(path, 'must start with "/"');
  const segments = path.slice(1).split('/');
  if (segments.length > MAX_PATH_DEPTH) throw bad(path, `deeper than ${MAX_PATH_DEPTH} segments`);
  for (const s of segments) {
    if (s.length === 0) throw bad(path, 'empty segment');
    if (s === '.' || s === '..') throw bad(path, '"." and ".." segments are not allowed');
    if (s.length > MAX_SEGMENT_BYTES) throw bad(path, `segment longer than ${MAX_SEGMENT_BYTES} bytes`);
    if (!SEGMENT_CHAR.test(s)) throw bad(path, 'segment has a character outside [A-Za-z0-9-_.~+=,:@%]');
  }
  return segments;
}

export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

function bad(path: string, why: string): MurmurError {
  return new MurmurError('MURMUR_TREE_BAD_PATH', `invalid key path: ${why}`, {
    details: { path: path.slice(0, 120) },
  });
}
