import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMurmurError } from '../../src/errors/index.ts';
import {
  contains,
  matches,
  parsePattern,
  patternContains,
  segmentMatch,
  tokensMatch,
} from '../../src/tree/glob.ts';
import { isValidPath, parsePath } from '../../src/tree/path.ts';

describe('path grammar', () => {
  it('accepts ordinary keys and refuses traversal, empty segments, control chars', () => {
    assert.deepEqual(parsePath('/a/b-c/d.e'), ['a', 'b-c', 'd.e']);
    for (const bad of [
      '',
      '/',
      'a/b',
      '/a//b',
      '/a/',
      '/a/../b',
      '/./a',
      '/a/\u0000',
      '/a b',
      '/a*',
      '/!a',
      `/${'x'.repeat(300)}`,
    ]) {
      assert.equal(isValidPath(bad), false, bad);
      assert.throws(
        () => parsePath(bad),
        (e) => isMurmurError(e, 'MURMUR_TREE_BAD_PATH'),
      );
    }
    assert.equal(isValidPath(`/${Array(33).fill('a').join('/')}`), false);
  });
});

describe('glob matching', () => {
  it('matches the seed example and doublestar semantics', () => {
    assert.ok(matches('/my/**/sta*', '/my/key/state'));
    assert.ok(matches('/my/**/sta*', '/my/state'));
    assert.ok(matches('/my/**/sta*', '/my/a/b/c/stable'));
    assert.ok(!matches('/my/**/sta*', '/my/key/xstate'));
    assert.ok(matches('/a/*', '/a/b'));
    assert.ok(!matches('/a/*', '/a/b/c'));
    assert.ok(matches('/**', '/anything/at/all'));
    assert.ok(matches('/a/*x*y', '/a/qxzzy'));
    assert.throws(
      () => parsePattern('/a**'),
      (e) => isMurmurError(e, 'MURMUR_TREE_BAD_PATTERN'),
    );
    assert.throws(
      () => parsePattern('/a/../b'),
      (e) => isMurmurError(e, 'MURMUR_TREE_BAD_PATTERN'),
    );
  });

  it('containment: examples', () => {
    assert.ok(contains('/my/**', '/my/a/**'));
    assert.ok(contains('/my/**/sta*', '/my/x/state'));
    assert.ok(contains('/**', '/a/*/b'));
    assert.ok(contains('/a/*', '/a/b*'));
    assert.ok(contains('/a/*b*', '/a/xbx*'));
    assert.ok(!contains('/my/a/**', '/my/**'));
    assert.ok(!contains('/a/*', '/a/**'));
    assert.ok(!contains('/a/b*', '/a/*'));
    assert.ok(!contains('/a/*/**', '/a/**'));
    assert.ok(!contains('/a/x*', '/a/*x'));
  });
});

// Brute force over a tiny world: patterns use letters a, b; paths use a, b, c (c stands for any
// character a pattern does not mention, which makes the containment check complete here).
const segPat = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  { weight: 4, arbitrary: fc.stringMatching(/^[ab*]{1,3}$/).filter((s) => !s.includes('**')) },
);
const pattern = fc.array(segPat, { minLength: 1, maxLength: 3 });
const allPaths: string[][] = (() => {
  const segs: string[] = [];
  const alpha = ['a', 'b', 'c'];
  for (const x of alpha) segs.push(x);
  for (const x of alpha) for (const y of alpha) segs.push(x + y);
  for (const x of alpha) for (const y of alpha) for (const z of alpha) segs.push(x + y + z);
  const out: string[][] = [[]];
  let layer: string[][] = [[]];
  for (let d = 1; d <= 4; d++) {
    const pool = d <= 2 ? segs : d === 3 ? segs.slice(0, 12) : alpha;
    const next: string[][] = [];
    for (const p of layer) for (const s of pool) next.push([...p, s]);
    for (const n of next) out.push(n);
    layer = next;
  }
  return out;
})();

describe('glob containment (property)', () => {
  it('is sound: contains(p, c) implies every path matched by c is matched by p', () => {
    fc.assert(
      fc.property(pattern, pattern, (p, c) => {
        if (!patternContains(p, c)) return;
        for (const path of allPaths)
          if (tokensMatch(c, path)) assert.ok(tokensMatch(p, path), `${p} ⊉ ${c} at ${path}`);
      }),
      { numRuns: 300 },
    );
  });

  it('is complete: when contains(p, c) is false a witness path exists', () => {
    fc.assert(
      fc.property(pattern, pattern, (p, c) => {
        if (patternContains(p, c)) return;
        // witnesses: c with each "*" → "" / "c" and each "**" → no segment / one "c" segment
        const witness = (star: string, dbl: string[]): string[] =>
          c.flatMap((t) => (t === '**' ? dbl : [t.replaceAll('*', star)]));
        const found = [witness('c', ['c']), witness('', []), witness('c', []), witness('', ['c'])].some(
          (w) => w.every((s) => s.length > 0) && tokensMatch(c, w) && !tokensMatch(p, w),
        );
        const brute = found || allPaths.some((w) => tokensMatch(c, w) && !tokensMatch(p, w));
        assert.ok(brute, `no witness for ${p} ⊉ ${c}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('a specialisation of a pattern is always contained in it', () => {
    fc.assert(
      fc.property(
        pattern,
        fc.array(fc.constantFrom('a', 'b', 'ab', ''), { minLength: 8, maxLength: 8 }),
        (p, fills) => {
          let k = 0;
          const child = p.flatMap((t) => {
            if (t === '**') return k++ % 2 === 0 ? ['**'] : ['a', '**'];
            return [t.replace(/\*/g, () => `${fills[k++ % 8]}*`)];
          });
          assert.ok(patternContains(p, child), `${p} should contain ${child}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('segmentMatch never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => typeof segmentMatch(a, b) === 'boolean'));
  });
});
