import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { writeSecretFile } from '../crypto/secret-file.ts';
import { MurmurError } from '../errors/index.ts';
import { overlayAddress } from '../overlay/address.ts';

/** File, in the data folder, holding the node's protobuf-marshalled Ed25519 private key (mode 0600). */
export const IDENTITY_FILE = 'identity.key';

export interface Identity {
  privateKey: PrivateKey;
  peerId: PeerId;
}

/**
 * The node's identity: the Ed25519 key in `<dataDir>/identity.key`, created on first use (0600, written
 * atomically by src/crypto's writeSecretFile). It stays in libp2p's own protobuf encoding, not the
 * node's key-file format: libp2p reads it. Without a dataDir a fresh in-memory key is made.
 */
export async function loadOrCreateIdentity(dataDir?: string): Promise<Identity> {
  if (dataDir === undefined) {
    const privateKey = await generateKeyPair('Ed25519');
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey) };
  }
  const path = join(dataDir, IDENTITY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MurmurError('MURMUR_IO', `cannot read ${path}`, { cause: err });
    }
  }
  if (bytes !== undefined) {
    let privateKey: PrivateKey;
    try {
      privateKey = privateKeyFromProtobuf(bytes);
    } catch (err) {
      throw new MurmurError('MURMUR_IDENTITY_INVALID', `${path} does not hold a valid private key`, {
        cause: err,
        details: { path },
      });
    }
    if (privateKey.type !== 'Ed25519') {
      throw new MurmurError(
        'MURMUR_IDENTITY_INVALID',
        `${path} holds a ${privateKey.type} key, not Ed25519`,
        {
          details: { path },
        },
      );
    }
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey) };
  }
  const privateKey = await generateKeyPair('Ed25519');
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new MurmurError('MURMUR_IO', `cannot write ${path}`, { cause: err });
  }
  await writeSecretFile(path, privateKeyToProtobuf(privateKey));
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) };
}

/**
 * The 32-byte overlay address of a peer in a network: SHA-256(peer id bytes ‖ utf8(networkId)), i.e.
 * src/overlay's overlayAddress.
 */
export function overlayAddressOf(peerIdBytes: Uint8Array, networkId: string): Uint8Array {
  return overlayAddress(peerIdBytes, networkId);
}
