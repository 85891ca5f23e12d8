/**
 * Key sets for HBBP encryption. A key folder holds up to four files, each one line of base64 with a raw
 * 32-byte X25519 key: `send.priv`, `send.pub`, `recv.priv`, `recv.pub` (the original's names). A sender
 * needs `send.priv` + `recv.pub`, a receiver `recv.priv` + `send.pub`; `hbbp keygen` writes all four.
 * Lookup for key `a/b/c`: folder `a/b/c`, then `a/b`, then `a`, then `default`.
 */

import type { KeyObject } from 'node:crypto';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSecretFile } from '../crypto/secret-file.ts';
import { MurmurError, throwIfAborted } from '../errors/index.ts';
import {
  KEYDIR_DEFAULT,
  KEYDIR_MAX_DEPTH,
  KEYFILE_RECV_PRIV,
  KEYFILE_RECV_PUB,
  KEYFILE_SEND_PRIV,
  KEYFILE_SEND_PUB,
  SEAL_KEY_ID_LEN,
} from './constants.ts';

const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const KEYFILES = [KEYFILE_SEND_PRIV, KEYFILE_SEND_PUB, KEYFILE_RECV_PRIV, KEYFILE_RECV_PUB] as const;

/** The raw 32-byte keys of one key folder (any may be missing). */
export interface KeyFiles {
  sendPriv?: Uint8Array;
  sendPub?: Uint8Array;
  recvPriv?: Uint8Array;
  recvPub?: Uint8Array;
}

/** One usable key set: the symmetric group key derived from X25519, and its 8-byte id. */
export interface KeySet {
  /** Folder name it came from (`default`, `p2ptbl`, ...). */
  name: string;
  /** 8 bytes: SHA-256(send.pub || recv.pub) prefix, written in every datagram. */
  keyId: Uint8Array;
  /** 32-byte key for sealing (present when send.priv + recv.pub are known). */
  sealKey?: Uint8Array;
  /** 32-byte key for opening (present when recv.priv + send.pub are known). */
  openKey?: Uint8Array;
}

function privateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}

function publicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

function rawPublicOf(priv: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKey(priv)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function groupKey(priv: Uint8Array, pub: Uint8Array, sendPub: Uint8Array, recvPub: Uint8Array): Uint8Array {
  const shared = diffieHellman({ privateKey: privateKey(priv), publicKey: publicKey(pub) });
  const info = Buffer.concat([Buffer.from('murmur-hbbp-v1 group'), sendPub, recvPub]);
  return new Uint8Array(hkdfSync('sha256', shared, 'murmur-hbbp-v1', info, 32));
}

/** Derives the key set of one folder's files; throws MURMUR_HBBP_KEYFILE when nothing usable is there. */
export function deriveKeySet(name: string, files: KeyFiles): KeySet {
  try {
    const sendPub = files.sendPub ?? (files.sendPriv ? rawPublicOf(files.sendPriv) : undefined);
    const recvPub = files.recvPub ?? (files.recvPriv ? rawPublicOf(files.recvPriv) : undefined);
    if (!sendPub || !recvPub) {
      throw new MurmurError(
        'MURMUR_HBBP_KEYFILE',
        `key folder ${name}: needs send.pub (or send.priv) and recv.pub (or recv.priv)`,
      );
    }
    const keyId = new Uint8Array(
      createHash('sha256').update(sendPub).update(recvPub).digest().subarray(0, SEAL_KEY_ID_LEN),
    );
    const set: KeySet = { name, keyId };
    if (files.sendPriv) set.sealKey = groupKey(files.sendPriv, recvPub, sendPub, recvPub);
    if (files.recvPriv) set.openKey = groupKey(files.recvPriv, sendPub, sendPub, recvPub);
    if (!set.sealKey && !set.openKey) {
      throw new MurmurError(
        'MURMUR_HBBP_KEYFILE',
        `key folder ${name}: no private key (send.priv or recv.priv)`,
      );
    }
    return set;
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `key folder ${name}: invalid key`, { cause: err });
  }
}

/** Key sets by folder name, with the original's lookup order. */
export class KeyRing {
  readonly #sets = new Map<string, KeySet>();

  constructor(sets: Iterable<KeySet> = []) {
    for (const s of sets) this.#sets.set(s.name, s);
  }

  /** Builds a ring from raw key files per folder name (for in-process use and tests). */
  static fromFiles(folders: Record<string, KeyFiles>): KeyRing {
    return new KeyRing(Object.entries(folders).map(([name, files]) => deriveKeySet(name, files)));
  }

  /** Reads every key folder under `dir` (nested for keys with `/`); throws MURMUR_HBBP_KEYFILE. */
  static async load(dir: string, opts: { signal?: AbortSignal } = {}): Promise<KeyRing> {
    const sets: KeySet[] = [];
    const walk = async (rel: string, depth: number): Promise<void> => {
      throwIfAborted(opts.signal);
      const abs = rel === '' ? dir : join(dir, rel);
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch (cause) {
        throw new MurmurError('MURMUR_HBBP_KEYFILE', `cannot read key folder ${abs}`, { cause });
      }
      const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
      if (rel !== '' && KEYFILES.some((f) => names.has(f))) {
        const files: KeyFiles = {};
        if (names.has(KEYFILE_SEND_PRIV)) files.sendPriv = await readKeyFile(join(abs, KEYFILE_SEND_PRIV));
        if (names.has(KEYFILE_SEND_PUB)) files.sendPub = await readKeyFile(join(abs, KEYFILE_SEND_PUB));
        if (names.has(KEYFILE_RECV_PRIV)) files.recvPriv = await readKeyFile(join(abs, KEYFILE_RECV_PRIV));
        if (names.has(KEYFILE_RECV_PUB)) files.recvPub = await readKeyFile(join(abs, KEYFILE_RECV_PUB));
        sets.push(deriveKeySet(rel, files));
      }
      if (depth >= KEYDIR_MAX_DEPTH) return;
      for (const e of entries) {
        if (e.isDirectory()) await walk(rel === '' ? e.name : `${rel}/${e.name}`, depth + 1);
      }
    };
    await walk('', 0);
    return new KeyRing(sets);
  }

  /** The key set for `key`: the folder named like the key, then its shorter `/` prefixes, then `default`. */
  lookup(key: string): KeySet | undefined {
    let name = key;
    for (;;) {
      const hit = this.#sets.get(name);
      if (hit) return hit;
      const slash = name.lastIndexOf('/');
      if (slash <= 0) break;
      name = name.slice(0, slash);
    }
    return this.#sets.get(KEYDIR_DEFAULT);
  }

  /** Number of key sets. */
  get size(): number {
    return this.#sets.size;
  }
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `cannot read key file ${path}`, { cause });
  }
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length !== 32) {
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `key file ${path} must hold 32 bytes in base64`);
  }
  return new Uint8Array(raw);
}

function newPair(): { priv: Uint8Array; pub: Uint8Array } {
  const { privateKey: k } = generateKeyPairSync('x25519');
  const der = k.export({ format: 'der', type: 'pkcs8' });
  const priv = new Uint8Array(der.subarray(der.length - 32));
  return { priv, pub: rawPublicOf(priv) };
}

/** Creates the four key files of a fresh key set in `dir` (mode 0600); refuses to overwrite. */
export async function generateKeyFiles(dir: string): Promise<KeyFiles> {
  const send = newPair();
  const recv = newPair();
  const files: Record<string, Uint8Array> = {
    [KEYFILE_SEND_PRIV]: send.priv,
    [KEYFILE_SEND_PUB]: send.pub,
    [KEYFILE_RECV_PRIV]: recv.priv,
    [KEYFILE_RECV_PUB]: recv.pub,
  };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const [name, raw] of Object.entries(files)) {
      const path = join(dir, name);
      if (!(await writeSecretFile(path, `${Buffer.from(raw).toString('base64')}\n`, { exclusive: true }))) {
        throw Object.assign(new Error(`EEXIST: file already exists, ${path}`), { code: 'EEXIST' });
      }
    }
  } catch (cause) {
    throw new MurmurError('MURMUR_HBBP_KEYFILE', `cannot create key files in ${dir}`, { cause });
  }
  return { sendPriv: send.priv, sendPub: send.pub, recvPriv: recv.priv, recvPub: recv.pub };
}
