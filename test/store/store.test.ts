import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryLevel } from 'memory-level';
import { isMurmurError } from '../../src/errors/index.ts';
import { IDENTITY_FILE } from '../../src/identity/index.ts';
import { createNode } from '../../src/node/index.ts';
import { openStore, STORE_FORMAT_VERSION } from '../../src/store/index.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'murmur-store-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('sublevels are separate namespaces and the format record is written', async () => {
  const level = new MemoryLevel({ valueEncoding: 'view' });
  const store = await openStore({ level: level as never });
  await store.sublevel('peers').put('x', Uint8Array.of(1));
  await store.sublevel('tree').put('x', Uint8Array.of(2));
  assert.deepEqual([...((await store.sublevel('peers').get('x')) ?? [])], [1]);
  assert.deepEqual([...((await store.sublevel('tree').get('x')) ?? [])], [2]);
  const meta = await store.sublevel('meta').get('format');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(meta)), { version: STORE_FORMAT_VERSION });
  await store.close();
});

test('a store written by a newer format is refused with MURMUR_STORE_FORMAT', async () => {
  const level = new MemoryLevel({ valueEncoding: 'view' });
  const store = await openStore({ level: level as never });
  await store.sublevel('meta').put('format', new TextEncoder().encode(JSON.stringify({ version: 99 })));
  await assert.rejects(openStore({ level: level as never }), (e: unknown) =>
    isMurmurError(e, 'MURMUR_STORE_FORMAT'),
  );
});

test('a second process opening the same data folder gets MURMUR_DATA_IN_USE', async () => {
  const dir = tmp();
  const node = await createNode({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  await node.start();
  try {
    const script = `
      import { createNode } from ${JSON.stringify(new URL('../../src/node/index.ts', import.meta.url).href)};
      const n = await createNode({ dataDir: ${JSON.stringify(dir)}, listen: ['/ip4/127.0.0.1/tcp/0'] });
      try { await n.start(); console.log('STARTED'); await n.stop(); } catch (e) { console.log(e.code); }
    `;
    const out = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let s = '';
      p.stdout.on('data', (d: Buffer) => {
        s += d.toString();
      });
      p.on('exit', () => resolve(s.trim()));
    });
    assert.equal(out, 'MURMUR_DATA_IN_USE');
  } finally {
    await node.stop();
  }
  // Once stopped, the folder can be opened again, and classic-level's own lock maps to the same code.
  const again = await openStore({ dataDir: dir });
  await assert.rejects(openStore({ dataDir: dir }), (e: unknown) => isMurmurError(e, 'MURMUR_DATA_IN_USE'));
  await again.close();
});

test('identity: created on first start (0600), kept across restarts with the same overlay', async () => {
  const dir = tmp();
  const a = await createNode({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  await a.start();
  await a.stop();
  assert.equal(statSync(join(dir, IDENTITY_FILE)).mode & 0o777, 0o600);
  const b = await createNode({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  assert.equal(b.peerId, a.peerId);
  assert.equal(b.overlay, a.overlay);
  const c = await createNode({ dataDir: dir, networkId: 'other' });
  assert.equal(c.peerId, a.peerId);
  assert.notEqual(c.overlay, a.overlay, 'the overlay depends on the network id');
});

test('createNode({ dataDir }) + start() with default listen addresses works on a fresh folder', async () => {
  const dir = tmp();
  const n = await createNode({ dataDir: dir });
  await n.start();
  try {
    assert.ok(n.status().addresses.some((a) => a.includes('/tcp/')));
  } finally {
    await n.stop();
  }
});
