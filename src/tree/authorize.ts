import { MurmurError } from '../errors/index.ts';
import { grantId } from './codec.ts';
import { contains, matches } from './glob.ts';
import { hlcWall } from './hlc.ts';
import { bytesEqual, toHex } from './keys.ts';
import { verifyEntrySignature } from './records.ts';
import type { Entry, Grant, Revocation } from './types.ts';

/** What authorisation reads: verified grants and verified revocations, by grant id (hex). */
export interface GrantView {
  grant(idHex: string): Grant | undefined;
  revocationsOf(grantIdHex: string): readonly Revocation[];
}

const containsCache = new Map<string, boolean>();
/** `contains(parent, child)` through a small cache (patterns repeat a lot). */
export function cachedContains(parent: string, child: string): boolean {
  const k = `${parent}\n${child}`;
  let r = containsCache.get(k);
  if (r === undefined) {
    r = contains(parent, child);
    if (containsCache.size > 10_000) containsCache.clear();
    containsCache.set(k, r);
  }
  return r;
}

const refuse = (
  code: ConstructorParameters<typeof MurmurError>[0],
  message: string,
  details?: Record<string, unknown>,
) => new MurmurError(code, message, { details });

/**
 * Checks a grant chain for writing `key` at wall time `wallMs` by `signer` in the tree `root`.
 * Returns null when authorised, else the refusal (a MurmurError with a stable code):
 *  - chain[0].issuer is the root; chain[i].issuer is chain[i-1].issuee (MURMUR_TREE_BROKEN_CHAIN)
 *  - every link but the last allows sub-granting (MURMUR_TREE_NO_SUBGRANT)
 *  - every pattern lies inside its parent's (MURMUR_TREE_PATTERN_OUTSIDE_PARENT)
 *  - each grant was issued inside its parent's validity, and is valid at wallMs (MURMUR_TREE_GRANT_EXPIRED)
 *  - no link is revoked by its issuer, an issuer above it, or the root (MURMUR_TREE_GRANT_REVOKED)
 *  - the signer is the last issuee (MURMUR_TREE_NOT_LAST_ISSUEE); the last pattern matches the key
 *    (MURMUR_TREE_PATTERN_MISMATCH)
 */
export function chainProblem(
  root: Uint8Array,
  chainIds: readonly Uint8Array[],
  signer: Uint8Array,
  key: string | null,
  wallMs: number,
  view: GrantView,
): MurmurError | null {
  if (bytesEqual(signer, root)) return null;
  if (chainIds.length === 0) return refuse('MURMUR_TREE_NO_GRANT', 'no grant lets this key write here');
  const chain: Grant[] = [];
  const issuers = [toHex(root)];
  for (let i = 0; i < chainIds.length; i++) {
    const idHex = toHex(chainIds[i]!);
    const g = view.grant(idHex);
    if (g === undefined)
      return refuse('MURMUR_TREE_MISSING_GRANT', 'a grant of the chain is unknown', { grant: idHex });
    if (!bytesEqual(g.tree, root))
      return refuse('MURMUR_TREE_WRONG_TREE', 'grant of another tree', { grant: idHex });
    const prev = chain[i - 1];
    if (prev === undefined) {
      if (!bytesEqual(g.issuer, root))
        return refuse('MURMUR_TREE_BROKEN_CHAIN', 'chain does not start at the root');
    } else {
      if (!bytesEqual(g.issuer, prev.issuee)) {
        return refuse('MURMUR_TREE_BROKEN_CHAIN', 'issuer is not the previous issuee', { grant: idHex });
      }
      if (!prev.subgrant) return refuse('MURMUR_TREE_NO_SUBGRANT', 'parent grant does not allow sub-grants');
      if (!cachedContains(prev.pattern, g.pattern)) {
        return refuse('MURMUR_TREE_PATTERN_OUTSIDE_PARENT', 'sub-grant pattern outside its parent', {
          parent: prev.pattern,
          pattern: g.pattern,
        });
      }
      if (g.issuedAt < prev.issuedAt || (prev.expiresAt !== 0 && g.issuedAt > prev.expiresAt)) {
        return refuse('MURMUR_TREE_GRANT_EXPIRED', 'sub-grant issued outside its parent validity', {
          grant: idHex,
        });
      }
    }
    if (wallMs < g.issuedAt || (g.expiresAt !== 0 && wallMs > g.expiresAt)) {
      return refuse('MURMUR_TREE_GRANT_EXPIRED', 'grant not valid at this time', {
        grant: idHex,
        at: wallMs,
      });
    }
    issuers.push(toHex(g.issuer));
    for (const r of view.revocationsOf(idHex)) {
      if (issuers.includes(toHex(r.revoker)) && bytesEqual(r.tree, root)) {
        return refuse('MURMUR_TREE_GRANT_REVOKED', 'a grant of the chain is revoked', { grant: idHex });
      }
    }
    chain.push(g);
  }
  const last = chain[chain.length - 1]!;
  if (!bytesEqual(last.issuee, signer)) {
    return refuse('MURMUR_TREE_NOT_LAST_ISSUEE', 'signer is not the issuee of the last grant');
  }
  if (key !== null && !matches(last.pattern, key)) {
    return refuse('MURMUR_TREE_PATTERN_MISMATCH', 'key outside the last grant pattern', {
      pattern: last.pattern,
      key,
    });
  }
  return null;
}

/** Full check of an entry for the tree `root`: tree binding, shape, signature, then its chain. */
export function entryProblem(
  root: Uint8Array,
  e: Entry,
  view: GrantView,
  verifySignature = true,
): MurmurError | null {
  if (!bytesEqual(e.tree, root)) return refuse('MURMUR_TREE_WRONG_TREE', 'entry of another tree');
  if (verifySignature) {
    try {
      verifyEntrySignature(e);
    } catch (err) {
      return err as MurmurError;
    }
  }
  return chainProblem(root, e.grants, e.signer, e.key, hlcWall(e.timestamp), view);
}

/** Which grant ids (hex) an entry relies on. */
export function chainHexes(e: Entry): string[] {
  return e.grants.map(toHex);
}

export { grantId };
