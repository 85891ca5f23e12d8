import './codes.ts';
import { MurmurError } from '../errors/index.ts';
import { grantId } from './codec.ts';
import type { Signer } from './keys.ts';
import { toHex } from './keys.ts';
import type { TreeService } from './service.ts';
import type { KeyState } from './subscriptions.ts';
import type { Tree, WatchEvent } from './tree.ts';
import type { Entry, Grant, Revocation } from './types.ts';

/** Options every tree call takes. */
export interface TreeCallOptions {
  /** Root key (64 hex digits) of a held tree; default the node's default tree (`use()`). */
  tree?: string;
  /** Cancels the call (MURMUR_ABORTED); a watch or subscription ends when it fires. */
  signal?: AbortSignal;
}

/** Options of the calls that sign a record (put, del, grant, revoke). */
export interface TreeWriteOptions extends TreeCallOptions {
  /**
   * Sign with this key instead of the node's own tree key (a key holding a grant on the tree, as
   * `murmur kv put --key FILE`); used for this call only.
   */
  signer?: Signer;
}

/** A grant as the tree holds it: its id (hex, what `revoke()` takes), the record, and whether it is revoked. */
export interface GrantInfo {
  id: string;
  grant: Grant;
  revoked: boolean;
}

/** What a grant call asks for. */
export interface GrantRequest {
  /** Public key (hex) of the grantee. */
  to: string;
  /** Glob of keys the grantee may write (`/chat/**`). */
  pattern: string;
  /** Whether the grantee may issue grants within `pattern`. Default false. */
  subgrant?: boolean;
  /** Unix ms after which the grant no longer admits writes. Default never. */
  expiresAt?: number;
}

/** A held tree in the node's list. */
export interface TreeSummary {
  root: string;
  /** Hex of the tree's reconciliation hash (equal on two nodes holding the same records). */
  rootHash: string;
  records: number;
  /** Whether it is the default tree. */
  default: boolean;
}

const utf8 = new TextEncoder();

/** True once `signal` fired: an error thrown then ends an iterator quietly instead. */
const ended = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

/**
 * The typed library API of the signed key/value tree, what `murmur kv` / `tree` / `grant` / `revoke`
 * do, on a running node: `node.tree` when the node runs a TreeService (or `new TreeApi(service)`).
 * Keys are paths (`/chat/alice`); values are bytes (a string is stored as its UTF-8). Every call
 * takes `{ tree?, signal? }`; errors are MurmurErrors with MURMUR_TREE_* codes (docs/ERRORS.md).
 *
 * @example
 * ```ts
 * await node.tree.put('/hello', 'world');
 * const got = await node.tree.get('/hello'); // { value: Uint8Array, entry } | undefined
 * for await (const ev of node.tree.watch(['/chat/**'], { signal })) console.log(ev);
 * ```
 */
export class TreeApi {
  readonly #service: TreeService;

  constructor(service: TreeService) {
    this.#service = service;
  }

  /** The node's own tree key (public half, hex): the root of its own tree and what grants name. */
  get publicKey(): string {
    return this.#service.publicKey;
  }

  /** Root of the default tree (`use()`), the node key's own tree unless set. */
  get defaultTree(): string {
    return this.#service.defaultTree;
  }

  /** The trees held here with their hashes. */
  trees(): TreeSummary[] {
    return this.#service.trees().map((root) => {
      const t = this.#service.tree(root);
      return {
        root,
        rootHash: toHex(t.rootHash()),
        records: t.state.fingerprint.count,
        default: root === this.defaultTree,
      };
    });
  }

  /** Starts holding the tree of root key `root` (hex) and syncing it with peers (`murmur tree join`). */
  async join(root: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#service.join(rootOf(root), options);
  }

  /** Joins a tree and makes it the default of every call without `tree` (`murmur tree use`). */
  async use(root: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#service.use(rootOf(root), options);
  }

  /** Writes `value` at `key`, signed by the node key (or `signer`); the signed entry. */
  async put(key: string, value: Uint8Array | string, options: TreeWriteOptions = {}): Promise<Entry> {
    const bytes = typeof value === 'string' ? utf8.encode(value) : value;
    if (!(bytes instanceof Uint8Array))
      throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a tree value is a Uint8Array or a string');
    return this.#writing(options, (t) => t.put(key, bytes, signalOf(options)));
  }

  /** The visible value at `key` and its entry, or undefined when absent or deleted. */
  async get(
    key: string,
    options: TreeCallOptions = {},
  ): Promise<{ value: Uint8Array; entry: Entry } | undefined> {
    return this.#tree(options).get(key, signalOf(options));
  }

  /** Deletes `key` (a signed tombstone that replicates like a write); the tombstone entry. */
  async del(key: string, options: TreeWriteOptions = {}): Promise<Entry> {
    return this.#writing(options, (t) => t.del(key, signalOf(options)));
  }

  /**
   * Visible entries in key order whose keys pass the ordered filters (globs, `!` excludes:
   * `['/chat/**', '!/chat/tmp/**']`), all of them without filters.
   */
  async list(filters: readonly string[] = [], options: TreeCallOptions = {}): Promise<Entry[]> {
    return this.#tree(options).list(filters, signalOf(options));
  }

  /**
   * The matching entries, then `{ type: 'tail' }`, then every change of a matching key (a deletion
   * has `entry: null`), including changes replicated from peers; ends when `signal` fires.
   */
  async *watch(filters: readonly string[] = [], options: TreeCallOptions = {}): AsyncGenerator<WatchEvent> {
    if (ended(options.signal)) return;
    const tree = this.#tree(options);
    try {
      yield* tree.watch(filters, signalOf(options));
    } catch (err) {
      if (!ended(options.signal)) throw err;
    }
  }

  /**
   * The state of one key (`{ hasValue, dirty, value }`): first as it is now, then at each change of
   * its value or of its dirtiness (stale while a peer's differing root is being synced); ends when
   * `signal` fires.
   */
  async *subscribe(key: string, options: TreeCallOptions = {}): AsyncGenerator<KeyState> {
    const { signal } = options;
    if (ended(signal)) return;
    const sub = await this.#tree(options).subscribe(key, signalOf(options));
    const queue: KeyState[] = [sub.state];
    let wake: (() => void) | undefined;
    const push = (s: KeyState): void => {
      queue.push(s);
      wake?.();
    };
    const stop = (): void => wake?.();
    sub.on('value', push).on('dirty', push);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!ended(signal)) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      sub.unsubscribe();
    }
  }

  /**
   * Grants `to` the right to write keys matching `pattern` (`murmur grant`). The signer must be the
   * tree's root key or hold a sub-grantable grant containing the pattern.
   */
  async grant(request: GrantRequest, options: TreeWriteOptions = {}): Promise<GrantInfo> {
    const g = await this.#writing(options, (t) => t.grant(request, signalOf(options)));
    return { id: toHex(grantId(g)), grant: g, revoked: false };
  }

  /** Revokes the grant of id `grantIdHex` (`murmur revoke`); the signer must be its issuer, above it, or the root. */
  async revoke(grantIdHex: string, options: TreeWriteOptions = {}): Promise<Revocation> {
    return this.#writing(options, (t) => t.revoke(grantIdHex.toLowerCase(), signalOf(options)));
  }

  /** Every admitted grant of the tree (`murmur grants`). */
  grants(options: TreeCallOptions = {}): GrantInfo[] {
    return this.#tree(options).grants();
  }

  #tree(options: TreeCallOptions): Tree {
    return this.#service.tree(options.tree === undefined ? this.defaultTree : rootOf(options.tree));
  }

  async #writing<T>(options: TreeWriteOptions, fn: (t: Tree) => Promise<T>): Promise<T> {
    const held = this.#tree(options);
    if (options.signer === undefined) return fn(held);
    const t = await this.#service.treeWith(held.rootHex, options.signer, signalOf(options));
    try {
      return await fn(t);
    } finally {
      t.close();
    }
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

function rootOf(root: string): string {
  if (typeof root !== 'string' || !/^[0-9a-fA-F]{64}$/.test(root))
    throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'a tree root is 64 hex digits');
  return root.toLowerCase();
}
