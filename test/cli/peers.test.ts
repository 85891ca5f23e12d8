import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { daemonScope, murmur, poll, startDaemon } from './helpers.ts';

const { daemons, tmp } = daemonScope('murmur-cli-peers-');

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('connect to an unreachable address prints the real cause', async () => {
  const a = await startDaemon(await tmp());
  daemons.push(a);
  const stranger = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf';
  const r = await murmur([
    'connect',
    '--data',
    a.dir,
    `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${stranger}`,
  ]);
  assert.equal(r.code, 6); // network
  assert.match(r.stderr, /^murmur: MURMUR_DIAL_FAILED: cannot dial 12D3KooW\w+: .*ECONNREFUSED/m);
  assert.doesNotMatch(r.stderr, /undefined/);
});

test('peers shows why and until when a peer is refused; forgive lifts it on both sides', async () => {
  const a = await startDaemon(await tmp());
  daemons.push(a);
  const bDir = await tmp();
  // B first runs in another network: A refuses it at introduction (purgatory), and B refuses A.
  let b = await startDaemon(bDir, ['--network', 'other']);
  daemons.push(b);
  const aId = JSON.parse((await murmur(['id', '--json', '--data', a.dir])).stdout);
  const bId = JSON.parse((await murmur(['id', '--json', '--data', b.dir])).stdout);
  const refused = await murmur(['connect', '--data', b.dir, aId.addresses[0]]);
  assert.equal(refused.code, 6); // network
  assert.match(refused.stderr, /MURMUR_HANDSHAKE_REFUSED: .*network/);
  let listed = '';
  await poll(
    async () => {
      listed = (await murmur(['peers', '--data', a.dir])).stdout;
      return listed.includes(bId.peerId);
    },
    60_000,
    'B in the list of A',
  );
  const row = listed.split('\n').find((l) => l.includes(bId.peerId)) ?? '';
  assert.match(listed, /^PEER +STATE +PO +LAST SEEN +STRIKES +REASON +UNTIL +ADDRESS/);
  assert.match(
    row,
    /purgatory +- +never +0 +refused: network +lifts \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in 30m\)/,
  );
  const [json] = JSON.parse(
    (await murmur(['peers', '--json', '--state', 'purgatory', '--data', a.dir])).stdout,
  );
  assert.equal(json.peerId, bId.peerId);
  assert.equal(json.reason, 'refused: network');
  assert.ok(json.nextAttemptAt > Date.now() + 25 * 60_000);

  // B comes back in A's network; A still drops it, and connect says why.
  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0);
  b = await startDaemon(bDir);
  daemons.push(b);
  const own = await murmur(['peers', 'forgive', aId.peerId, '--data', b.dir]);
  assert.equal(own.code, 0, own.stderr);
  assert.match(
    own.stdout,
    new RegExp(`^forgave ${aId.peerId}: (lifesupport \\(forgiven\\)|connecting), strikes 0`),
  );
  const dropped = await murmur(['connect', '--data', b.dir, aId.addresses[0]]);
  assert.equal(dropped.code, 6); // network
  assert.match(dropped.stderr, /MURMUR_DIAL_FAILED: .*(remote closed the connection|purgatory)/);
  assert.doesNotMatch(dropped.stderr, /undefined/);

  // The operator of A forgives B: B connects.
  const forgiven = await murmur(['peers', '--data', a.dir, 'forgive', bId.peerId, '--json']);
  assert.equal(forgiven.code, 0, forgiven.stderr);
  const info = JSON.parse(forgiven.stdout);
  assert.equal(info.strikes, 0);
  assert.notEqual(info.state, 'purgatory');
  const unknown = await murmur([
    'peers',
    'forgive',
    '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf',
    '--data',
    a.dir,
  ]);
  assert.equal(unknown.code, 5); // not found
  assert.match(unknown.stderr, /MURMUR_PEERS_UNKNOWN/);
  await poll(
    async () => (await murmur(['connect', '--data', b.dir, aId.addresses[0]])).code === 0,
    60_000,
    'B connects to A once forgiven',
  );
});

test('SIGTERM says goodbye: the peer shows it in lifesupport (goodbye) and reconnects when it is back', async () => {
  const a = await startDaemon(await tmp());
  daemons.push(a);
  const bDir = await tmp();
  const listen = ['--listen', `/ip4/127.0.0.1/tcp/${await closedPort()}`];
  let b = await startDaemon(bDir, listen);
  daemons.push(b);
  const bId = JSON.parse((await murmur(['id', '--json', '--data', b.dir])).stdout);
  const fixed = bId.addresses.find((x: string) => x.startsWith(`${listen[1]}/p2p/`));
  assert.ok(fixed, `B listens on ${listen[1]}`);
  const c = await murmur(['connect', '--data', a.dir, fixed]);
  assert.equal(c.code, 0, c.stderr);
  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0);
  const peers = JSON.parse((await murmur(['peers', '--json', '--data', a.dir])).stdout);
  const seen = peers.find((p: { peerId: string }) => p.peerId === bId.peerId);
  assert.equal(seen?.state, 'lifesupport', 'in lifesupport as soon as B has exited');
  assert.equal(seen?.reason, 'goodbye');
  assert.equal(seen?.strikes, 0);
  const table = (await murmur(['peers', '--data', a.dir])).stdout;
  assert.match(
    table,
    /lifesupport +\d+ +\S+ ago +0 +goodbye +dial \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in \d+s\)/,
  );
  // B restarts on the same identity and address: the link is back without anyone typing connect.
  b = await startDaemon(bDir, listen);
  daemons.push(b);
  await poll(
    async () => {
      const list = JSON.parse((await murmur(['peers', '--json', '--data', a.dir])).stdout);
      return list.some(
        (p: { peerId: string; state: string }) => p.peerId === bId.peerId && p.state === 'active',
      );
    },
    60_000,
    'A active with B again',
  );
});
