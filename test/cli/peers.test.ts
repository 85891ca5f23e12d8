import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { daemonScope, murmur, startDaemon } from './helpers.ts';

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
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^murmur: MURMUR_DIAL_FAILED: cannot dial 12D3KooW\w+: .*ECONNREFUSED/m);
  assert.doesNotMatch(r.stderr, /undefined/);
});
