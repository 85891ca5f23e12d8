import { MurmurError } from '../errors/index.ts';
import { entrySigningBytes, grantSigningBytes, revocationSigningBytes } from './codec.ts';
import { MAX_CHAIN_LENGTH, MAX_VALUE_BYTES } from './constants.ts';
import { parsePattern } from './glob.ts';
import { type Hlc, isValidHlc } from './hlc.ts';
import { type Signer, signBytes, verifyBytes } from './keys.ts';
import { parsePath } from './path.ts';
import type { Entry, Grant, Revocation } from './types.ts';

/** Builders that sign, and static checks (shape + signature) of records received from anywhere. */

export function makeGrant(
  issuer: Signer,
  g: {
    tree: Uint8Array;
    pattern: string;
    subgrant?: boolean;
    issuee: Uint8Array;
    issuedAt: number;
    expiresAt?: number;
  },
): Grant {
  const body = {
    tree: g.tree,
    pattern: g.pattern,
    subgrant: g.subgrant ?? false,
    issuer: issuer.publicKey,
    issuee: g.issuee,
    issuedAt: g.issuedAt,
    expiresAt: g.expiresAt ?? 0,
  };
  checkGrantShape({ ...body, signature: new Uint8Array(64) });
  return { ...body, signature: signBytes(issuer, grantSigningBytes(body)) };
}

export function makeRevocation(
  revoker: Signer,
  r: { tree: Uint8Array; grantId: Uint8Array; revokedAt: number },
): Revocation {
  const body = { tree: r.tree, grantId: r.grantId, revoker: revoker.publicKey, revokedAt: r.revokedAt };
  checkRevocationShape({ ...body, signature: new Uint8Array(64) });
  return { ...body, signature: signBytes(revoker, revocationSigningBytes(body)) };
}

export function makeEntry(
  signer: Signer,
  e: { tree: Uint8Array; key: string; value: Uint8Array | null; timestamp: Hlc; grants?: Uint8Array[] },
): Entry {
  const body = {
    tree: e.tree,
    key: e.key,
    value: e.value,
    timestamp: e.timestamp,
    signer: signer.publicKey,
    grants: e.grants ?? [],
  };
  checkEntryShape({ ...body, signature: new Uint8Array(64) });
  return { ...body, signature: signBytes(signer, entrySigningBytes(body)) };
}

const is32 = (b: unknown): boolean => b instanceof Uint8Array && b.length === 32;
const isMs = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function malformed(what: string): MurmurError {
  return new MurmurError('MURMUR_TREE_MALFORMED', `malformed ${what}`);
}

export function checkGrantShape(g: Grant): void {
  if (!is32(g.tree) || !is32(g.issuer) || !is32(g.issuee)) throw malformed('grant keys');
  if (!isMs(g.issuedAt) || !isMs(g.expiresAt)) throw malformed('grant times');
  if (g.expiresAt !== 0 && g.expiresAt < g.issuedAt) throw malformed('grant expires before it is issued');
  parsePattern(g.pattern);
}

export function checkRevocationShape(r: Revocation): void {
  if (!is32(r.tree) || !is32(r.grantId) || !is32(r.revoker)) throw malformed('revocation keys');
  if (!isMs(r.revokedAt)) throw malformed('revocation time');
}

export function checkEntryShape(e: Entry): void {
  if (!is32(e.tree) || !is32(e.signer)) throw malformed('entry keys');
  if (!isValidHlc(e.timestamp)) throw malformed('entry timestamp');
  if (!Array.isArray(e.grants) || e.grants.length > MAX_CHAIN_LENGTH || !e.grants.every(is32)) {
    throw malformed('entry grant chain');
  }
  if (e.value !== null && !(e.value instanceof Uint8Array)) throw malformed('entry value');
  if (e.value !== null && e.value.length > MAX_VALUE_BYTES) {
    throw new MurmurError('MURMUR_TREE_VALUE_TOO_LARGE', `value larger than ${MAX_VALUE_BYTES} bytes`);
  }
  parsePath(e.key);
}

function badSig(what: string): MurmurError {
  return new MurmurError('MURMUR_TREE_BAD_SIGNATURE', `${what} signature does not verify`);
}

/** Shape and signature of a grant (by its issuer). Throws; authority is checked per chain later. */
export function verifyGrant(g: Grant): void {
  checkGrantShape(g);
  if (!verifyBytes(g.issuer, grantSigningBytes(g), g.signature)) throw badSig('grant');
}

export function verifyRevocation(r: Revocation): void {
  checkRevocationShape(r);
  if (!verifyBytes(r.revoker, revocationSigningBytes(r), r.signature)) throw badSig('revocation');
}

export function verifyEntrySignature(e: Entry): void {
  checkEntryShape(e);
  if (!verifyBytes(e.signer, entrySigningBytes(e), e.signature)) throw badSig('entry');
}
