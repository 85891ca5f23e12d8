/**
 * The handshake's version check: a remote is compatible when its Hello lists a handshake id of the
 * same major version, under the current id or the legacy one (a node of the previous version).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  checkHello,
  HANDSHAKE_LEGACY_PROTOCOLS,
  HANDSHAKE_PROTOCOL,
  HANDSHAKE_PROTOCOLS,
  type HandshakeLocal,
} from '../../src/handshake/index.ts';
import { overlayAddressOf } from '../../src/identity/index.ts';

const NETWORK = 'murmur';

async function peer() {
  const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
  return { id, overlay: overlayAddressOf(id.toMultihash().bytes, NETWORK) };
}

test('the current and the legacy handshake ids are both compatible; another major version is not', async () => {
  const self = await peer();
  const remote = await peer();
  const local: HandshakeLocal = {
    networkId: NETWORK,
    overlay: self.overlay,
    protocols: [...HANDSHAKE_PROTOCOLS],
    addrs: () => [],
  };
  const hello = (protocols: string[]) => ({
    networkId: NETWORK,
    overlay: remote.overlay,
    protocols,
    addrs: [],
  });
  assert.equal(HANDSHAKE_PROTOCOL, '/murmur/node/handshake/1.0.0');
  assert.deepEqual(HANDSHAKE_LEGACY_PROTOCOLS, ['/murmur/handshake/1.0.0']);
  for (const protocols of [
    [...HANDSHAKE_PROTOCOLS, '/murmur/node/hive/1.0.0'], // a new node
    ['/murmur/handshake/1.0.0', '/murmur/hive/1.0.0'], // a node of the previous version
    ['/murmur/node/handshake/1.4.2'], // a later minor version
    ['/murmur/handshake/1.3.0'],
  ]) {
    assert.equal(checkHello(local, remote.id, hello(protocols)), undefined, protocols.join(' '));
  }
  for (const protocols of [
    [],
    ['/murmur/node/handshake/2.0.0'],
    ['/murmur/handshake/2.0.0'],
    ['/murmur/hive/1.0.0'],
  ]) {
    assert.equal(checkHello(local, remote.id, hello(protocols)), 'version', protocols.join(' '));
  }
});
