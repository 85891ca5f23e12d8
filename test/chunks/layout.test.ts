import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { makeChunk } from '../../src/chunks/chunk.ts';
import { BRANCHES, CHUNK_SIZE } from '../../src/chunks/constants.ts';
import { childCapacity, childrenOf, isIntermediate } from '../../src/chunks/file/layout.ts';
import { isMurmurError } from '../../src/errors/index.ts';

const addr = new Uint8Array(32);

test('layout: child capacity grows by 128 per level; children cover the span, the last the rest', () => {
  assert.equal(childCapacity(4097n), BigInt(CHUNK_SIZE));
  assert.equal(childCapacity(BigInt(CHUNK_SIZE * BRANCHES)), BigInt(CHUNK_SIZE));
  assert.equal(childCapacity(BigInt(CHUNK_SIZE * BRANCHES) + 1n), BigInt(CHUNK_SIZE * BRANCHES));
  assert.ok(!isIntermediate(4096n) && isIntermediate(4097n));
  // 3 children of a 10 000-byte file: 4096, 4096, 1808
  const kids = Array.from({ length: 3 }, (_, i) => new Uint8Array(32).fill(i + 1));
  const node = makeChunk(new Uint8Array(Buffer.concat(kids)), 10_000n);
  const children = childrenOf(node.address, node.data);
  assert.deepEqual(
    children.map((c) => [c.address[0], c.span, c.leaf]),
    [
      [1, 4096n, true],
      [2, 4096n, true],
      [3, 1808n, true],
    ],
  );
  // one level up: children are intermediate
  const big = makeChunk(new Uint8Array(64), BigInt(CHUNK_SIZE * BRANCHES) + 5n);
  assert.deepEqual(
    childrenOf(big.address, big.data).map((c) => [c.span, c.leaf]),
    [
      [BigInt(CHUNK_SIZE * BRANCHES), false],
      [5n, false],
    ],
  );
});

test('layout: a wrong child count is MURMUR_CHUNKS_BAD_FILE', () => {
  const node = makeChunk(new Uint8Array(64), 10_000n); // 2 addresses where the span needs 3
  assert.throws(
    () => childrenOf(node.address, node.data),
    (e: unknown) => isMurmurError(e, 'MURMUR_CHUNKS_BAD_FILE'),
  );
});

test('property: any intermediate chunk bytes give children that cover its span, or BAD_FILE', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 4097n, max: 2n ** 40n }),
      fc.integer({ min: 0, max: 128 }),
      fc.boolean(),
      (span, random, exact) => {
        // half the cases with the child count the span needs, so the children are checked too
        const cap = childCapacity(span);
        const n = exact ? Number((span + cap - 1n) / cap) : random;
        const data = new Uint8Array(8 + n * 32);
        new DataView(data.buffer).setBigUint64(0, span, true);
        try {
          const kids = childrenOf(addr, data);
          assert.equal(kids.length, n);
          assert.equal(
            kids.reduce((s, k) => s + k.span, 0n),
            span,
          );
          for (const k of kids) assert.ok(k.span > 0n && k.span <= childCapacity(span));
        } catch (e) {
          assert.ok(isMurmurError(e, 'MURMUR_CHUNKS_BAD_FILE'), String(e));
        }
      },
    ),
  );
});
