import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MurmurError } from '../errors/index.ts';
import { fromHex, generateKeyPair, type KeyPair, type Signer, signerFromKeyPair, toHex } from './keys.ts';

/** A key file / API body: `{"publicKey": hex32, "privateKey": hex32}` (raw Ed25519 seed). */
export interface KeyJson {
  publicKey: string;
  privateKey: string;
}

export function keyPairToJson(pair: KeyPair): KeyJson {
  return { publicKey: toHex(pair.publicKey), privateKey: toHex(pair.privateKey) };
}

/** Parses a key pair given as JSON (MURMUR_TREE_BAD_KEY if it is not one, or the halves do not match). */
export function keyPairFromJson(value: unknown): KeyPair {
  const v = value as Partial<KeyJson> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    typeof v.publicKey !== 'string' ||
    typeof v.privateKey !== 'string'
  ) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'a key is {"publicKey": hex, "privateKey": hex}');
  }
  try {
    return { publicKey: fromHex(v.publicKey, 32), privateKey: fromHex(v.privateKey, 32) };
  } catch (cause) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', 'key halves are 32 bytes of hex each', { cause });
  }
}

export function signerFromJson(value: unknown): Signer {
  return signerFromKeyPair(keyPairFromJson(value));
}

export async function readKeyFile(path: string): Promise<KeyPair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new MurmurError('MURMUR_IO', `cannot read key file ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MurmurError('MURMUR_TREE_BAD_KEY', `key file ${path} is not JSON`, { cause });
  }
  const pair = keyPairFromJson(json);
  signerFromKeyPair(pair); // checks the halves belong together
  return pair;
}

/** Writes a key file with mode 0600 (refuses to overwrite unless `overwrite`). */
export async function writeKeyFile(
  path: string,
  pair: KeyPair,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, `${JSON.stringify(keyPairToJson(pair))}\n`, {
      mode: 0o600,
      flag: options.overwrite === true ? 'w' : 'wx',
    });
  } catch (cause) {
    throw new MurmurError('MURMUR_IO', `cannot write key file ${path}`, { cause });
  }
  await chmod(path, 0o600);
}

/** The key in `path`, created (0600) on first use. */
export async function loadOrCreateKeyFile(path: string): Promise<KeyPair> {
  try {
    return await readKeyFile(path);
  } catch (err) {
    const cause = (err as MurmurError).cause as NodeJS.ErrnoException | undefined;
    if (cause?.code !== 'ENOENT') throw err;
  }
  const pair = generateKeyPair();
  await writeKeyFile(path, pair);
  return pair;
}
