import { MurmurError } from '../errors/index.ts';
import { MAX_PATH_BYTES, MAX_PATH_DEPTH, MAX_SEGMENT_BYTES } from './constants.ts';
import { parsePath } from './path.ts';

/**
 * Glob dialect of grant patterns and list filters:
 *   pattern = "/**" / 1*( "/" pseg )
 *   pseg    = "**"                    any number (zero or more) of whole segments
 *           / 1*( schar / "*" )       "*" matches any run (possibly empty) of characters inside one segment
 * "**" must be a whole segment ("a**" is refused). No "?", no classes, no braces: this keeps
 * containment (one pattern's language inside another's) exact and cheap — see contains().
 *
 * A compiled pattern is a token list: the string "**" for a multi-segment wildcard, otherwise the
 * segment pattern. A concrete path is a token list of literal segments (which never contain "*").
 */
export type Tokens = readonly string[];

const PSEG_CHAR = /^[A-Za-z0-9\-_.~+=,:@%*]+$/;

export function parsePattern(pattern: string): Tokens {
  if (typeof pattern !== 'string') throw bad(String(pattern), 'not a string');
  if (pattern.length > MAX_PATH_BYTES) throw bad(pattern, `longer than ${MAX_PATH_BYTES} bytes`);
  if (!pattern.startsWith('/')) throw bad(pattern, 'must start with "/"');
  const segs = pattern.slice(1).split('/');
  if (segs.length > MAX_PATH_DEPTH) throw bad(pattern, `deeper than ${MAX_PATH_DEPTH} segments`);
  for (const s of segs) {
    if (s.length === 0) throw bad(pattern, 'empty segment');
    if (s === '.' || s === '..') throw bad(pattern, '"." and ".." segments are not allowed');
    if (s.length > MAX_SEGMENT_BYTES) throw bad(pattern, 'segment too long');
    if (!PSEG_CHAR.test(s)) throw bad(pattern, 'segment has a character outside [A-Za-z0-9-_.~+=,:@%*]');
    if (s !== '**' && s.includes('**')) throw bad(pattern, '"**" must be a whole segment');
  }
  return segs;
}

export function isValidPattern(pattern: string): boolean {
  try {
    parsePattern(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Does segment pattern `p` match segment `t`? `t` may itself be a segment pattern: then its "*" is
 * an opaque symbol that only a "*" of `p` can absorb (this is what makes contains() exact).
 * Classic greedy wildcard matching with backtracking to the last star: O(|p|·|t|) worst case.
 */
export function segmentMatch(p: string, t: string): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === t[ti] && t[ti] !== '*') {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Does token list `p` (a pattern) match token list `t`? `t` is a path (literal segments) or a
 * pattern: a "**" of `t` can only be absorbed by a "**" of `p`, a segment pattern of `t` only by a
 * segment pattern of `p` that contains it. Memoised DP over (i, j): O(|p|·|t|) segment checks.
 */
export function tokensMatch(p: Tokens, t: Tokens): boolean {
  const memo = new Map<number, boolean>();
  const stride = t.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * stride + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) {
      r = j === t.length;
    } else if (p[i] === '**') {
      // absorb nothing, or absorb t[j] (a segment or a "**") and stay on this "**"
      r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    } else if (j === t.length || t[j] === '**') {
      r = false;
    } else {
      r = segmentMatch(p[i]!, t[j]!) && go(i + 1, j + 1);
    }
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Does `pattern` match the key `path`? Both are validated. */
export function matches(pattern: string, path: string): boolean {
  return tokensMatch(parsePattern(pattern), parsePath(path));
}

/**
 * Is every path matched by `child` also matched by `parent` (child ⊆ parent as path languages)?
 * Decided by matching `parent` against `child` read as text in which the child's wildcards are
 * opaque symbols. Sound always (a true answer is a proof: whatever each opaque symbol stands for,
 * the wildcard of `parent` that absorbed it absorbs that too). Complete as soon as some segment
 * character does not occur in `parent` (always true in practice: the charset has 72 characters and
 * such a character stands for the opaque symbol in a counter-example path).
 */
export function contains(parent: string, child: string): boolean {
  return tokensMatch(parsePattern(parent), parsePattern(child));
}

function bad(pattern: string, why: string): MurmurError {
  return new MurmurError('MURMUR_TREE_BAD_PATTERN', `invalid pattern: ${why}`, {
    details: { pattern: pattern.slice(0, 120) },
  });
}
