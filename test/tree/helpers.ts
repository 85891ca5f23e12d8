import { MemoryLevel } from 'memory-level';
import type { Level } from '../../src/store/index.ts';
import { generateSigner, type Signer, toHex } from '../../src/tree/keys.ts';
import type { TreeRecord, TreeState } from '../../src/tree/state.ts';
import { TreeStore } from '../../src/tree/store.ts';
import { Tree, type TreeOptions } from '../../src/tree/tree.ts';

export function memoryDb(): Level {
  return new MemoryLevel<string | Uint8Array, string | Uint8Array>();
}

export async function openStore(db: Level = memoryDb()): Promise<TreeStore> {
  const s = new TreeStore(db);
  await s.open();
  return s;
}

export async function openTree(
  root: Signer,
  signer: Signer = root,
  options: TreeOptions = {},
  db?: Level,
): Promise<Tree> {
  return Tree.open(await openStore(db), toHex(root.publicKey), { signer, cullDelayMs: 20, ...options });
}

export const keyPool: Signer[] = Array.from({ length: 6 }, () => generateSigner());
export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));
export const dec = (b: Uint8Array | null | undefined): string | undefined =>
  b ? Buffer.from(b).toString() : undefined;

/** Applies a record to a state, ignoring a refusal (an entry before its grant: a peer resends it). */
export function apply(s: TreeState, r: TreeRecord): void {
  try {
    if (r.kind === 'grant') s.addGrant(r.record);
    else if (r.kind === 'revocation') s.addRevocation(r.record);
    else s.addEntry(r.record);
  } catch {
    // refused in this order (e.g. entry before its grant): a peer would resend it with its grants
  }
}

/** `items` plus the duplicates picked by `dups`, in an order drawn from `rnd` (Fisher–Yates). */
export function shuffledWithDups<T>(items: T[], dups: number[], rnd: Iterator<number>): T[] {
  const order = [...items, ...dups.map((i) => items[i]!)];
  for (let i = order.length - 1; i > 0; i--) {
    const j = (rnd.next().value as number) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
