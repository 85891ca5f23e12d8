import {
  keyPairFromJson as cryptoKeyPairFromJson,
  loadOrCreateKeyFile as cryptoLoadOrCreateKeyFile,
  readKeyFile as cryptoReadKeyFile,
  writeKeyFile as cryptoWriteKeyFile,
  type KeyJson,
  keyPairToJson,
} from '../crypto/key-file.ts';
import { type KeyPair, type Signer, signerFromKeyPair } from './keys.ts';

/**
 * The tree's key files and API key bodies: src/crypto's one key-file format (docs/STORAGE.md) with the
 * tree's error code, MURMUR_TREE_BAD_KEY (MURMUR_IO when a file cannot be read or written).
 */
export { type KeyJson, keyPairToJson };

/** Parses a key pair given as JSON (MURMUR_TREE_BAD_KEY if it is not one). */
export function keyPairFromJson(value: unknown): KeyPair {
  return cryptoKeyPairFromJson(value, 'MURMUR_TREE_BAD_KEY');
}

export function signerFromJson(value: unknown): Signer {
  return signerFromKeyPair(keyPairFromJson(value));
}

/** Reads a key file in the current or an older format (its halves checked to belong together). */
export function readKeyFile(path: string): Promise<KeyPair> {
  return cryptoReadKeyFile(path, { code: 'MURMUR_TREE_BAD_KEY' });
}

/** Writes a key file (0600, atomic; refuses to overwrite unless `overwrite`). */
export async function writeKeyFile(
  path: string,
  pair: KeyPair,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await cryptoWriteKeyFile(path, pair, options);
}

/** The key in `path`, created (0600) on first use. */
export function loadOrCreateKeyFile(path: string): Promise<KeyPair> {
  return cryptoLoadOrCreateKeyFile(path, { code: 'MURMUR_TREE_BAD_KEY' });
}
