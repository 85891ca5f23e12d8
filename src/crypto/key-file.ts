import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fromHex, isHex, toHex } from '../bytes/index.ts';
import { type ErrorCode, MurmurError } from '../errors/index.ts';
import { writeSecretFile } from './secret-file.ts';
import { generateKeyPair, type KeyPair, signerFromKeyPair, signerFromSeed } from './signer.ts';

/**
 * The one key-file format of the node's Ed25519 signing keys (tree key, journal key, `murmur keygen`),
 * documented in docs/STORAGE.md: one line of JSON,
 *   {"type":"ed25519","publicKey":"<64 hex>","privateKey":"<64 hex: the 32-byte seed>"}
 * written with writeSecretFile (0600, atomic). Still read: the tree's older JSON without "type", and
 * the journals' older 64 hex digits of a seed (whitespace around ignored) or 32 raw bytes. The libp2p
 * identity key (identity.key) is libp2p's own protobuf and stays so.
 */

export const KEY_FILE_TYPE = 'ed25519';

/** The JSON of a key pair: `{"publicKey": hex32, "privateKey": hex32}` (also the tree API's key body). */
export interface KeyJson {
  publicKey: string;
  privateKey: string;
}

export function keyPairToJson(pair: KeyPair): KeyJson {
  return { publicKey: toHex(pair.publicKey), privateKey: toHex(pair.privateKey) };
}

/** A key pair given as JSON (`code` if it is not one; the halves are not checked against each other). */
export function keyPairFromJson(value: unknown, code: ErrorCode = 'MURMUR_INVALID_ARGUMENT'): KeyPair {
  const v = value as (Partial<KeyJson> & { type?: unknown }) | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    typeof v.publicKey !== 'string' ||
    typeof v.privateKey !== 'string'
  ) {
    throw new MurmurError(code, 'a key is {"publicKey": hex, "privateKey": hex}');
  }
  if (v.type !== undefined && v.type !== KEY_FILE_TYPE) {
    throw new MurmurError(code, `not an ${KEY_FILE_TYPE} key (type ${JSON.stringify(v.type)})`);
  }
  if (!isHex(v.publicKey, 32) || !isHex(v.privateKey, 32)) {
    throw new MurmurError(code, 'key halves are 32 bytes of hex each');
  }
  return { publicKey: fromHex(v.publicKey), privateKey: fromHex(v.privateKey) };
}

/** The bytes of a key file in the current format. */
export function encodeKeyFile(pair: KeyPair): string {
  return `${JSON.stringify({ type: KEY_FILE_TYPE, ...keyPairToJson(pair) })}\n`;
}

/**
 * The key pair of a key file in any format (see above), its halves checked to belong together;
 * `code` (MURMUR_INVALID_ARGUMENT by default) when the bytes are none of them.
 */
export function decodeKeyFile(bytes: Uint8Array, options: { path?: string; code?: ErrorCode } = {}): KeyPair {
  const code = options.code ?? 'MURMUR_INVALID_ARGUMENT';
  const path = options.path ?? 'key file';
  const details = options.path === undefined ? undefined : { path: options.path };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').trim();
  if (isHex(text, 32)) return seedPair(fromHex(text), code); // journals' older format: hex of the seed
  if (bytes.length === 32) return seedPair(new Uint8Array(bytes), code); // journals' older format: raw
  if (!text.startsWith('{')) {
    throw new MurmurError(code, `${path} is not a key file (JSON key, or 64 hex digits of an Ed25519 seed)`, {
      details,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MurmurError(code, `key file ${path} is not JSON`, { cause, details });
  }
  const pair = keyPairFromJson(json, code);
  signerFromKeyPair(pair, code); // the halves belong together
  return pair;
}

function seedPair(seed: Uint8Array, code: ErrorCode): KeyPair {
  return { publicKey: signerFromSeed(seed, code).publicKey, privateKey: seed };
}

/** Reads a key file (MURMUR_IO if it cannot be read, `code` if it holds no key). */
export async function readKeyFile(
  path: string,
  options: { code?: ErrorCode; signal?: AbortSignal } = {},
): Promise<KeyPair> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, { signal: options.signal });
  } catch (cause) {
    throw new MurmurError('MURMUR_IO', `cannot read key file ${path}`, { cause, details: { path } });
  }
  return decodeKeyFile(bytes, { path, ...(options.code === undefined ? {} : { code: options.code }) });
}

/**
 * Writes a key file in the current format (0600, atomic, its folder created if needed). Refuses to
 * replace an existing file (MURMUR_IO, cause EEXIST) unless `overwrite`; returns false only with
 * `ifAbsent`, when the file exists (it is left alone).
 */
export async function writeKeyFile(
  path: string,
  pair: KeyPair,
  options: { overwrite?: boolean; ifAbsent?: boolean; signal?: AbortSignal } = {},
): Promise<boolean> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (cause) {
    throw new MurmurError('MURMUR_IO', `cannot write key file ${path}`, { cause, details: { path } });
  }
  const written = await writeSecretFile(path, encodeKeyFile(pair), {
    exclusive: options.overwrite !== true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!written && options.ifAbsent !== true) {
    const cause = Object.assign(new Error(`EEXIST: file already exists, ${path}`), { code: 'EEXIST' });
    throw new MurmurError('MURMUR_IO', `cannot write key file ${path}: it exists`, {
      cause,
      details: { path },
    });
  }
  return written;
}

/**
 * The key in `path`, or a fresh one written there (current format, 0600) when the file does not exist
 * and `create` is not false. Two processes creating it at once end with the same key.
 */
export async function loadOrCreateKeyFile(
  path: string,
  options: { code?: ErrorCode; create?: boolean; signal?: AbortSignal } = {},
): Promise<KeyPair> {
  try {
    return await readKeyFile(path, options);
  } catch (err) {
    const cause = (err as MurmurError).cause as NodeJS.ErrnoException | undefined;
    if (!(err instanceof MurmurError) || err.code !== 'MURMUR_IO' || cause?.code !== 'ENOENT') throw err;
    if (options.create === false) throw err;
  }
  const pair = generateKeyPair();
  const written = await writeKeyFile(path, pair, {
    ifAbsent: true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return written ? pair : readKeyFile(path, options);
}
