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
 * Is every path matched by `child` also matched by `parent` (child ⊆ parent as path languages,
 * counting the empty path that "/**" matches)? Exact decision procedure:
 *  - the parent is an NFA over segments (one state per token; "**" loops and may be skipped);
 *  - the child is read as a word in which each segment pattern is one opaque segment (a parent
 *    segment pattern accepts it iff it contains it: segmentMatch with the child's "*" opaque), and
 *    each "**" stands for every number k ≥ 0 of fresh segments (segments no parent literal matches:
 *    the hardest case, as replacing a fresh segment by a real one only adds transitions);
 *  - a subset construction follows every k at once: the child is contained iff every reachable
 *    set of parent states, at the end, holds the accepting state.
 * Sequences of sets under "fresh" steps become periodic within |parent| + 1 steps, so this ends.
 */
export function contains(parent: string, child: string): boolean {
  return patternContains(parsePattern(parent), parsePattern(child));
}

const FRESH = '\u0000';

export function patternContains(parent: Tokens, child: Tokens): boolean {
  const m = parent.length;
  const close = (states: Iterable<number>): number[] => {
    const out = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (out.has(i)) continue;
      out.add(i);
      if (i < m && parent[i] === '**') stack.push(i + 1);
    }
    return [...out].sort((a, b) => a - b);
  };
  const step = (states: number[], sym: string): number[] => {
    const next: number[] = [];
    for (const i of states) {
      if (i >= m) continue;
      const t = parent[i]!;
      if (t === '**') next.push(i);
      else if (sym === FRESH ? /^\*+$/.test(t) : segmentMatch(t, sym)) next.push(i + 1);
    }
    return close(next);
  };
  let configs = new Map<string, number[]>([['0', close([0])]]);
  const add = (map: Map<string, number[]>, s: number[]): void => {
    map.set(s.join(','), s);
  };
  for (const tok of child) {
    const next = new Map<string, number[]>();
    if (tok === '**') {
      for (const start of configs.values()) {
        let cur = start;
        const seen = new Set<string>();
        while (!seen.has(cur.join(','))) {
          seen.add(cur.join(','));
          add(next, cur);
          cur = step(cur, FRESH);
        }
      }
    } else {
      for (const c of configs.values()) add(next, step(c, tok));
    }
    configs = next;
    if (configs.size > 100_000) return false;
  }
  for (const c of configs.values()) if (!c.includes(m)) return false;
  return true;
}

function bad(pattern: string, why: string): MurmurError {
  return new MurmurError('MURMUR_TREE_BAD_PATTERN', `invalid pattern: ${why}`, {
    details: { pattern: pattern.slice(0, 120) },
  });
}
