import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { MurmurError } from '../errors/index.ts';
import {
  DOMAIN_ENTRY,
  DOMAIN_GRANT,
  DOMAIN_REVOCATION,
  DOMAIN_VALUE,
  MAX_BUNDLE_BYTES,
  MAX_CHAIN_LENGTH,
  MAX_RECORD_BYTES,
  MAX_VALUE_BYTES,
} from './constants.ts';
import { isValidHlc } from './hlc.ts';
import { sha256 } from './keys.ts';
import { BundleSchema, EntrySchema, GrantSchema, RevocationSchema } from './proto/tree_pb.js';
import type { Entry, Grant, Revocation } from './types.ts';

/**
 * Canonical bytes that signatures cover, and protobuf wire/disk encoding. Canonical layout: the
 * domain tag, a 0 byte, then fixed-width fields in a fixed order (u64 big-endian, u16-length-prefixed
 * strings). The tree root key is always inside, so a record cannot be replayed into another tree;
 * the key and timestamp are inside, so an entry cannot be replayed under another key or time.
 */
class Writer {
  readonly parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  u8(n: number): this {
    this.parts.push(Uint8Array.of(n));
    return this;
  }
  u64(n: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = new Uint8Array(2);
    new DataView(len.buffer).setUint16(0, b.length);
    this.parts.push(len, b);
    return this;
  }
  done(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

const tag = (domain: string): Uint8Array => new Uint8Array(Buffer.from(`${domain}\0`, 'utf8'));
const ENTRY_TAG = tag(DOMAIN_ENTRY);
const GRANT_TAG = tag(DOMAIN_GRANT);
const REVOCATION_TAG = tag(DOMAIN_REVOCATION);
const VALUE_TAG = tag(DOMAIN_VALUE);

export function grantSigningBytes(g: Omit<Grant, 'signature'>): Uint8Array {
  return new Writer()
    .bytes(GRANT_TAG)
    .bytes(g.tree)
    .bytes(g.issuer)
    .bytes(g.issuee)
    .u8(g.subgrant ? 1 : 0)
    .u64(g.issuedAt)
    .u64(g.expiresAt)
    .str(g.pattern)
    .done();
}

export function revocationSigningBytes(r: Omit<Revocation, 'signature'>): Uint8Array {
  return new Writer()
    .bytes(REVOCATION_TAG)
    .bytes(r.tree)
    .bytes(r.grantId)
    .bytes(r.revoker)
    .u64(r.revokedAt)
    .done();
}

export function valueHash(value: Uint8Array | null): Uint8Array {
  return value === null ? new Uint8Array(32) : sha256(VALUE_TAG, value);
}

export function entrySigningBytes(e: Omit<Entry, 'signature'>): Uint8Array {
  const w = new Writer()
    .bytes(ENTRY_TAG)
    .bytes(e.tree)
    .bytes(e.signer)
    .u64(e.timestamp)
    .str(e.key)
    .u8(e.value === null ? 1 : 0)
    .bytes(valueHash(e.value))
    .u8(e.grants.length);
  for (const g of e.grants) w.bytes(g);
  return w.done();
}

const ids = new WeakMap<object, Uint8Array>();
function cachedId(rec: object, compute: () => Uint8Array): Uint8Array {
  let id = ids.get(rec);
  if (id === undefined) {
    id = compute();
    ids.set(rec, id);
  }
  return id;
}

/** Record ids: SHA-256 of the canonical signed bytes (so a re-signature cannot change them). */
export const grantId = (g: Grant): Uint8Array => cachedId(g, () => sha256(grantSigningBytes(g)));
export const revocationId = (r: Revocation): Uint8Array =>
  cachedId(r, () => sha256(revocationSigningBytes(r)));
export const entryId = (e: Entry): Uint8Array => cachedId(e, () => sha256(entrySigningBytes(e)));

// ---- protobuf wire / disk encoding ------------------------------------------------------------

const n64 = (b: bigint, what: string): number => {
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} out of range`);
  return Number(b);
};
const key32 = (b: Uint8Array, what: string): Uint8Array => {
  if (b.length !== 32) throw malformed(`${what} must be 32 bytes`);
  return b;
};
const sig64 = (b: Uint8Array): Uint8Array => {
  if (b.length !== 64) throw malformed('signature must be 64 bytes');
  return b;
};

function malformed(why: string, cause?: unknown): MurmurError {
  return new MurmurError('MURMUR_TREE_MALFORMED', `malformed tree record: ${why}`, { cause });
}

function checkCap(bytes: Uint8Array, cap: number): void {
  if (!(bytes instanceof Uint8Array)) throw malformed('not bytes');
  if (bytes.length > cap) {
    throw new MurmurError('MURMUR_TREE_TOO_LARGE', `record of ${bytes.length} bytes exceeds ${cap}`);
  }
}

function parse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MurmurError) throw err;
    throw malformed('undecodable protobuf', err);
  }
}

const grantToPb = (g: Grant) =>
  create(GrantSchema, {
    ...g,
    issuedAt: BigInt(g.issuedAt),
    expiresAt: BigInt(g.expiresAt),
  });
const grantFromPb = (m: ReturnType<typeof grantToPb>): Grant => ({
  tree: key32(m.tree, 'tree'),
  pattern: m.pattern,
  subgrant: m.subgrant,
  issuer: key32(m.issuer, 'issuer'),
  issuee: key32(m.issuee, 'issuee'),
  issuedAt: n64(m.issuedAt, 'issued_at'),
  expiresAt: n64(m.expiresAt, 'expires_at'),
  signature: sig64(m.signature),
});
const revToPb = (r: Revocation) => create(RevocationSchema, { ...r, revokedAt: BigInt(r.revokedAt) });
const revFromPb = (m: ReturnType<typeof revToPb>): Revocation => ({
  tree: key32(m.tree, 'tree'),
  grantId: key32(m.grantId, 'grant_id'),
  revoker: key32(m.revoker, 'revoker'),
  revokedAt: n64(m.revokedAt, 'revoked_at'),
  signature: sig64(m.signature),
});
const entryToPb = (e: Entry) =>
  create(EntrySchema, {
    tree: e.tree,
    key: e.key,
    value: e.value ?? new Uint8Array(0),
    tombstone: e.value === null,
    timestamp: BigInt(e.timestamp),
    signer: e.signer,
    grants: e.grants,
    signature: e.signature,
  });
const entryFromPb = (m: ReturnType<typeof entryToPb>): Entry => {
  if (m.tombstone && m.value.length > 0) throw malformed('tombstone with a value');
  if (m.value.length > MAX_VALUE_BYTES)
    throw new MurmurError('MURMUR_TREE_VALUE_TOO_LARGE', 'value too large');
  if (m.grants.length > MAX_CHAIN_LENGTH) throw malformed('grant chain too long');
  const timestamp = n64(m.timestamp, 'timestamp');
  if (!isValidHlc(timestamp)) throw malformed('bad timestamp');
  return {
    tree: key32(m.tree, 'tree'),
    key: m.key,
    value: m.tombstone ? null : m.value,
    timestamp,
    signer: key32(m.signer, 'signer'),
    grants: m.grants.map((g) => key32(g, 'grant id')),
    signature: sig64(m.signature),
  };
};

export const encodeGrant = (g: Grant): Uint8Array => toBinary(GrantSchema, grantToPb(g));
export const encodeRevocation = (r: Revocation): Uint8Array => toBinary(RevocationSchema, revToPb(r));
export const encodeEntry = (e: Entry): Uint8Array => toBinary(EntrySchema, entryToPb(e));

/** Decoders: hard cap first, then protobuf, then shape checks; throw MURMUR_TREE_MALFORMED / _TOO_LARGE. */
export function decodeGrant(bytes: Uint8Array): Grant {
  checkCap(bytes, MAX_RECORD_BYTES);
  return parse(() => grantFromPb(fromBinary(GrantSchema, bytes)));
}
export function decodeRevocation(bytes: Uint8Array): Revocation {
  checkCap(bytes, MAX_RECORD_BYTES);
  return parse(() => revFromPb(fromBinary(RevocationSchema, bytes)));
}
export function decodeEntry(bytes: Uint8Array): Entry {
  checkCap(bytes, MAX_RECORD_BYTES);
  return parse(() => entryFromPb(fromBinary(EntrySchema, bytes)));
}

export interface Bundle {
  entries: Entry[];
  grants: Grant[];
  revocations: Revocation[];
}

export function encodeBundle(b: Bundle): Uint8Array {
  return toBinary(
    BundleSchema,
    create(BundleSchema, {
      entries: b.entries.map(entryToPb),
      grants: b.grants.map(grantToPb),
      revocations: b.revocations.map(revToPb),
    }),
  );
}

export function decodeBundle(bytes: Uint8Array): Bundle {
  checkCap(bytes, MAX_BUNDLE_BYTES);
  return parse(() => {
    const m = fromBinary(BundleSchema, bytes);
    return {
      entries: m.entries.map(entryFromPb),
      grants: m.grants.map(grantFromPb),
      revocations: m.revocations.map(revFromPb),
    };
  });
}
