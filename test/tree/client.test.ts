import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HlcClock, hlcWall, packHlc } from '../../src/tree/hlc.ts';
import { ListFilter } from '../../src/tree/list-filter.ts';
import type { KeyState } from '../../src/tree/subscriptions.ts';
import type { WatchEvent } from '../../src/tree/tree.ts';
import { dec, enc, keyPool, openTree } from './helpers.ts';

const root = keyPool[0]!;

describe('HLC', () => {
  it('is monotonic under a stuck or backwards clock and merges received times', () => {
    let now = 1000;
    const c = new HlcClock({ now: () => now });
    const a = c.tick();
    now = 500;
    const b = c.tick();
    assert.ok(b > a);
    c.observe(packHlc(1030, 7));
    assert.ok(c.tick() > packHlc(1030, 7));
    assert.throws(() => c.observe(packHlc(now + 61_000, 0)));
    assert.equal(hlcWall(packHlc(123, 4)), 123);
  });
});

describe('list filters', () => {
  it('ordered globs, "!" negates, last match wins', () => {
    const f = new ListFilter(['/a/**', '!/a/secret/**', '/a/secret/ok']);
    assert.ok(f.matches('/a/x'));
    assert.ok(!f.matches('/a/secret/x'));
    assert.ok(f.matches('/a/secret/ok'));
    assert.ok(!f.matches('/b'));
    assert.ok(new ListFilter(['!/tmp/**']).matches('/b'));
    assert.ok(new ListFilter([]).matches('/b'));
  });
});

describe('Tree client', () => {
  it('put/get/del/list', async () => {
    const t = await openTree(root);
    await t.put('/a/1', enc('x'));
    await t.put('/a/2', enc('y'));
    await t.put('/b/1', enc('z'));
    await t.del('/a/2');
    assert.equal(dec((await t.get('/a/1'))?.value), 'x');
    assert.equal(await t.get('/a/2'), undefined);
    assert.deepEqual(
      (await t.list(['/a/**'])).map((e) => e.key),
      ['/a/1'],
    );
    t.close();
  });

  it('subscribe: one shared interest, value and dirty events, culled after the delay', async () => {
    const t = await openTree(root, root, { cullDelayMs: 20 });
    const s1 = await t.subscribe('/k');
    const s2 = await t.subscribe('/k');
    assert.equal(t.subscriptions.keys().length, 1);
    assert.deepEqual(s1.state, { hasValue: false, dirty: false, value: null });
    const seen: KeyState[] = [];
    s1.on('value', (s) => seen.push(s));
    let dirtyEvents = 0;
    s2.on('dirty', () => dirtyEvents++);
    await t.put('/k', enc('v1'));
    assert.equal(dec(seen[0]?.value), 'v1');
    assert.equal(s2.state.hasValue, true);
    t.subscriptions.setDirty(true);
    t.subscriptions.setDirty(true);
    t.subscriptions.setDirty(false);
    assert.equal(dirtyEvents, 2);
    s1.unsubscribe();
    s2.unsubscribe();
    assert.equal(t.subscriptions.keys().length, 1);
    const s3 = await t.subscribe('/k'); // re-subscribe within the delay keeps the interest
    s3.unsubscribe();
    await sleep(60);
    assert.equal(t.subscriptions.keys().length, 0);
    t.close();
  });

  it('watch: initial set, TAIL, then changes', async () => {
    const t = await openTree(root);
    await t.put('/w/1', enc('a'));
    await t.put('/other', enc('b'));
    const ac = new AbortController();
    const got: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of t.watch(['/w/**'], { signal: ac.signal })) {
        got.push(ev);
        if (got.length === 4) ac.abort();
      }
    })();
    await sleep(5);
    await t.put('/other', enc('c'));
    await t.put('/w/2', enc('d'));
    await t.del('/w/1');
    await done;
    assert.deepEqual(
      got.map((e) => (e.type === 'tail' ? 'TAIL' : `${e.key}=${dec(e.entry?.value) ?? '∅'}`)),
      ['/w/1=a', 'TAIL', '/w/2=d', '/w/1=∅'],
    );
    t.close();
  });
});
