import { createHash, randomBytes } from 'node:crypto';
import { toHex } from '../../bytes/index.ts';
import type { ChunksService } from '../../chunks/service.ts';
import type { Daemon } from '../../daemon/index.ts';
import type { JournalsService } from '../../journals/service.ts';
import type { NodeService } from '../../service/context.ts';
import type { TreeService } from '../../tree/service.ts';

/** One demo node: its daemon and the three data services it runs. */
export interface DemoNode {
  name: string;
  daemon: Daemon;
  tree: TreeService;
  chunks: ChunksService;
  journals: JournalsService;
  /** The services of the other registered data kinds (src/kinds), by kind name. */
  extra: Record<string, NodeService>;
}

/** Result of one data kind, as the summary and `--json` show it. */
export interface KindResult {
  converged: boolean;
  /** Time from the write to convergence (ms), -1 if it did not converge. */
  ms: number;
  detail: string;
  [k: string]: unknown;
}

export const DEMO_KEY = '/demo/hello';
export const DEMO_JOURNAL = 'demo';
export const DEMO_EVENTS = 5;
export const DEMO_FILE_BYTES = 256 * 1024;

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A signed kv entry written on node 0 into node 0's tree, which every other node has joined:
 * records when the entry arrives on each node (store `change` events) and whether the tree root
 * hashes are all equal.
 */
export class KvCheck {
  readonly #nodes: DemoNode[];
  readonly #offs: (() => void)[] = [];
  /** ms after the write at which each node stored the entry (undefined: not yet). */
  readonly arrivals: (number | undefined)[];
  root = '';
  value = '';
  #t0 = 0;
  #doneMs = -1;

  constructor(nodes: DemoNode[]) {
    this.#nodes = nodes;
    this.arrivals = nodes.map(() => undefined);
  }

  /** Every node holds node 0's default tree, then node 0 writes the entry. */
  async write(options: { signal?: AbortSignal } = {}): Promise<void> {
    const first = this.#nodes[0]!;
    this.root = first.tree.defaultTree;
    for (const n of this.#nodes.slice(1)) await n.tree.join(this.root, options);
    this.#nodes.forEach((n, i) => {
      const store = n.tree.store;
      const on = (d: { tree: string; key: string; entry: unknown }): void => {
        if (d.tree === this.root && d.key === DEMO_KEY && d.entry !== null && this.arrivals[i] === undefined)
          this.arrivals[i] = Date.now() - this.#t0;
      };
      store.on('change', on);
      this.#offs.push(() => store.off('change', on));
    });
    this.value = `hello from ${first.name} at ${new Date().toISOString()}`;
    this.#t0 = Date.now();
    await first.tree.tree(this.root).put(DEMO_KEY, new TextEncoder().encode(this.value), options);
  }

  /** Root hash of node 0's tree on node i ('' while the node does not hold it). */
  rootHash(i: number): string {
    if (!this.root) return '';
    try {
      return toHex(this.#nodes[i]!.tree.tree(this.root).rootHash());
    } catch {
      return '';
    }
  }

  converged(): boolean {
    if (this.#doneMs >= 0) return true;
    if (!this.root || this.arrivals.some((a) => a === undefined)) return false;
    const h = this.rootHash(0);
    if (!h || this.#nodes.some((_, i) => this.rootHash(i) !== h)) return false;
    // arrivals are exact (store events); the hashes are equal from the last arrival on
    this.#doneMs = Math.max(...this.arrivals.map((a) => a ?? 0));
    return true;
  }

  stop(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  result(): KindResult {
    const ok = this.converged();
    const got = this.arrivals.filter((a) => a !== undefined).length;
    return {
      converged: ok,
      ms: this.#doneMs,
      detail: ok
        ? `${DEMO_KEY} on ${got}/${this.#nodes.length} nodes, root hash ${this.rootHash(0).slice(0, 12)}… everywhere`
        : `${DEMO_KEY} on ${got}/${this.#nodes.length} nodes`,
      key: DEMO_KEY,
      value: this.value,
      tree: this.root,
      rootHashes: this.#nodes.map((_, i) => this.rootHash(i)),
      arrivalMs: this.arrivals.map((a) => a ?? null),
    };
  }
}

/** A journal created on node 1 with a few events; every node follows it to the same head. */
export class JournalCheck {
  readonly #nodes: DemoNode[];
  readonly #writer: number;
  /** ms after the first append at which each node reached the head. */
  readonly arrivals: (number | undefined)[];
  id = '';
  #t0 = 0;
  #doneMs = -1;

  constructor(nodes: DemoNode[]) {
    this.#nodes = nodes;
    this.#writer = Math.min(1, nodes.length - 1);
    this.arrivals = nodes.map(() => undefined);
  }

  get writer(): string {
    return this.#nodes[this.#writer]!.name;
  }

  async write(options: { signal?: AbortSignal } = {}): Promise<void> {
    const svc = this.#nodes[this.#writer]!.journals;
    this.id = (await svc.journals.create(DEMO_JOURNAL, options)).id;
    // what `murmur journal follow` does on the other nodes: they find the journal in their peers'
    // catalogues (read every second in the demo) and subscribe to it from their head + 1
    for (const [i, n] of this.#nodes.entries())
      if (i !== this.#writer) await n.journals.ensureFollowed(this.id);
    this.#t0 = Date.now();
    for (let n = 1; n <= DEMO_EVENTS; n++)
      await svc.append(this.id, { e: 'demo', p: { n, at: new Date().toISOString() } }, options);
  }

  /** Head seq and head hash of the journal on node i (0 / '' while not held). */
  head(i: number): { head: number; hash: string } {
    if (!this.id) return { head: 0, hash: '' };
    try {
      const info = this.#nodes[i]!.journals.journals.info(this.id);
      return { head: info.head, hash: toHex(info.headHash) };
    } catch {
      return { head: 0, hash: '' };
    }
  }

  converged(): boolean {
    if (this.#doneMs >= 0) return true;
    if (!this.id) return false;
    const want = this.head(this.#writer);
    if (want.head !== DEMO_EVENTS) return false; // still appending
    const now = Date.now() - this.#t0;
    this.#nodes.forEach((_, i) => {
      const h = this.head(i);
      if (this.arrivals[i] === undefined && h.head === want.head && h.hash === want.hash)
        this.arrivals[i] = now;
    });
    if (this.arrivals.some((a) => a === undefined)) return false;
    this.#doneMs = now;
    return true;
  }

  result(): KindResult {
    const ok = this.converged();
    const heads = this.#nodes.map((_, i) => this.head(i));
    const at = heads.filter((h) => h.head === DEMO_EVENTS).length;
    return {
      converged: ok,
      ms: this.#doneMs,
      detail: `${DEMO_JOURNAL} by ${this.writer}: head ${DEMO_EVENTS} on ${at}/${this.#nodes.length} nodes`,
      id: this.id,
      writer: this.writer,
      head: DEMO_EVENTS,
      heads: heads.map((h) => h.head),
      headHashes: heads.map((h) => h.hash),
      arrivalMs: this.arrivals.map((a) => a ?? null),
    };
  }
}

/** A file of generated bytes put on the last node, fetched on node 0 and compared by SHA-256. */
export class FileCheck {
  readonly #nodes: DemoNode[];
  readonly bytes: Uint8Array;
  readonly sha256: string;
  root = '';
  fetchedSha256 = '';
  fetchedBytes = 0;
  attempts = 0;
  lastError = '';
  #doneMs = -1;

  constructor(nodes: DemoNode[], size = DEMO_FILE_BYTES) {
    this.#nodes = nodes;
    this.bytes = new Uint8Array(randomBytes(size));
    this.sha256 = sha256Hex(this.bytes);
  }

  get from(): string {
    return this.#nodes[this.#nodes.length - 1]!.name;
  }

  /** Puts the file, then fetches it on node 0 until it verifies or the signal aborts. */
  async run(options: { signal?: AbortSignal; retryMs?: number } = {}): Promise<void> {
    const last = this.#nodes[this.#nodes.length - 1]!;
    const first = this.#nodes[0]!;
    const put = await last.chunks.put([this.bytes], options);
    this.root = toHex(put.root);
    const t0 = Date.now();
    while (!options.signal?.aborted) {
      this.attempts++;
      try {
        const hash = createHash('sha256');
        let n = 0;
        for await (const part of first.chunks.get(put.root, options)) {
          hash.update(part);
          n += part.length;
        }
        this.fetchedBytes = n;
        this.fetchedSha256 = hash.digest('hex');
        if (this.fetchedSha256 === this.sha256) {
          this.#doneMs = Date.now() - t0;
          return;
        }
        this.lastError = 'SHA-256 differs';
      } catch (err) {
        this.lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, options.retryMs ?? 200));
    }
  }

  /** Chunks held by node i (sum of its pull-index cursors). */
  chunks(i: number): bigint {
    try {
      return this.#nodes[i]!.chunks.store.cursors().reduce((a, b) => a + b, 0n);
    } catch {
      return 0n;
    }
  }

  converged(): boolean {
    return this.#doneMs >= 0;
  }

  result(): KindResult {
    const ok = this.converged();
    const kib = `${this.bytes.length / 1024} KiB`;
    return {
      converged: ok,
      ms: this.#doneMs,
      detail: ok
        ? `${kib} from ${this.from} fetched on ${this.#nodes[0]!.name}, SHA-256 ${this.sha256.slice(0, 12)}… equal`
        : `${kib} from ${this.from} not fetched on ${this.#nodes[0]!.name}${this.lastError ? ` (${this.lastError})` : ''}`,
      from: this.from,
      to: this.#nodes[0]!.name,
      bytes: this.bytes.length,
      root: this.root,
      sha256: this.sha256,
      fetchedSha256: this.fetchedSha256,
      fetchedBytes: this.fetchedBytes,
      attempts: this.attempts,
      chunksHeld: this.#nodes.map((_, i) => Number(this.chunks(i))),
    };
  }
}
