import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePattern } from '../../src/tree/glob.ts';
import { ListFilter, literalLead } from '../../src/tree/list-filter.ts';
import { enc, keyPool, openTree } from './helpers.ts';

// a small alphabet so that random keys and filters overlap often
const segment = fc.constantFrom('a', 'b', 'ab', 'b1', 'a.b');
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const token = fc.constantFrom('a', 'b', 'ab', '*', 'a*', '*b', '**', 'b1');
const pattern = fc.array(token, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const filter = fc.tuple(fc.boolean(), pattern).map(([neg, p]) => (neg ? `!${p}` : p));

describe('list range', () => {
  it('literalLead: whole literal segments, then up to the first "*"; "**" stops before its slash', () => {
    const lead = (p: string): string => literalLead(parsePattern(p));
    assert.equal(lead('/a/b'), '/a/b');
    assert.equal(lead('/a/b/*'), '/a/b/');
    assert.equal(lead('/a/x*y/c'), '/a/x');
    assert.equal(lead('/a/**'), '/a');
    assert.equal(lead('/a/**/b'), '/a');
    assert.equal(lead('/**'), '');
    assert.equal(lead('/*'), '/');
  });

  it('prefix: empty when keys start included, else the common lead of the positive filters', () => {
    assert.equal(new ListFilter([]).prefix(), '');
    assert.equal(new ListFilter(['!/tmp/**', '/tmp/keep']).prefix(), '');
    assert.equal(new ListFilter(['/users/alice/**']).prefix(), '/users/alice');
    assert.equal(new ListFilter(['/users/alice/**', '/users/albert/x']).prefix(), '/users/al');
    assert.equal(new ListFilter(['/a/**', '!/a/secret/**']).prefix(), '/a');
    assert.equal(new ListFilter(['/a/**', '/b/**']).prefix(), '/');
  });

  it('property: every key a filter list passes starts with its prefix', () => {
    fc.assert(
      fc.property(
        fc.array(filter, { minLength: 1, maxLength: 4 }),
        fc.array(key, { maxLength: 30 }),
        (fs, keys) => {
          const f = new ListFilter(fs);
          const prefix = f.prefix();
          for (const k of keys)
            if (f.matches(k)) assert.ok(k.startsWith(prefix), `${k} listed by ${fs} outside "${prefix}"`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: Tree.list equals filtering every live key, across puts and deletes between lists', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('put', 'del', 'list'), key, fc.array(filter, { maxLength: 3 })), {
          minLength: 1,
          maxLength: 40,
        }),
        async (ops) => {
          const t = await openTree(keyPool[0]!);
          const model = new Map<string, string>();
          try {
            for (const [i, [op, k, fs]] of ops.entries()) {
              if (op === 'put') {
                await t.put(k, enc(String(i)));
                model.set(k, String(i));
              } else if (op === 'del') {
                await t.del(k);
                model.delete(k);
              } else {
                const f = new ListFilter(fs);
                const want = [...model.keys()].filter((x) => f.matches(x)).sort();
                assert.deepEqual(
                  (await t.list(fs)).map((e) => e.key),
                  want,
                );
              }
            }
          } finally {
            t.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
